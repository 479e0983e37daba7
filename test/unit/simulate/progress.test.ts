import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter } from '../../../src/simulate/progress.js';

class Collector extends Writable {
  chunks: string[] = [];
  isTTY: boolean;
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    done();
  }
}

const progress = { total: 4, finished: 4, acknowledged: 3, retrying: 0, requests: 6 };

describe('progress on stderr', () => {
  it('redraws a bar in place on a terminal and ends the line when done', () => {
    const stream = new Collector(true);
    const reporter = createProgressReporter(stream);
    reporter.update({ ...progress, finished: 2 });
    reporter.update(progress);
    reporter.done();
    const clearLine = '\r\u001b[2K';
    expect(stream.chunks[0]).toBe(
      `${clearLine}[${'#'.repeat(12)}${'-'.repeat(12)}] 2/4 POSTs, 3 acknowledged, 0 retrying, 6 requests`,
    );
    expect(stream.chunks.at(-2)).toContain('[########################] 4/4 POSTs, 3 acknowledged');
    expect(stream.chunks.at(-1)).toBe('\n');
  });

  it('writes plain lines without control characters elsewhere', () => {
    const stream = new Collector(false);
    const reporter = createProgressReporter(stream);
    reporter.update(progress);
    reporter.done();
    expect(stream.chunks).toEqual(['progress: 4/4 POSTs, 3 acknowledged, 0 retrying, 6 requests\n']);
  });
});
