import type { Writable } from 'node:stream';
import type { SendProgress } from './sender.js';

/**
 * Progress on stderr: a redrawn bar on a terminal, a plain line every few seconds otherwise (logs
 * and CI keep every line, so redrawing there would only add noise).
 */
export interface ProgressReporter {
  update(progress: SendProgress): void;
  done(): void;
}

const BAR_WIDTH = 24;
const REDRAW_EVERY_MS = 100;
const LINE_EVERY_MS = 2_000;

function counts(progress: SendProgress): string {
  return `${progress.finished}/${progress.total} POSTs, ${progress.acknowledged} acknowledged, ${progress.retrying} retrying, ${progress.requests} requests`;
}

function bar(progress: SendProgress): string {
  const filled =
    progress.total === 0 ? BAR_WIDTH : Math.round((progress.finished / progress.total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${counts(progress)}`;
}

function createBarReporter(stream: Writable): ProgressReporter {
  let latest: SendProgress | null = null;
  let drawnAt = 0;
  const draw = () => {
    if (latest !== null) stream.write(`\r\x1b[2K${bar(latest)}`);
    drawnAt = Date.now();
  };
  return {
    update(progress) {
      latest = progress;
      if (Date.now() - drawnAt >= REDRAW_EVERY_MS || progress.finished === progress.total) draw();
    },
    done() {
      draw();
      if (latest !== null) stream.write('\n');
    },
  };
}

function createLineReporter(stream: Writable): ProgressReporter {
  let latest: SendProgress | null = null;
  let printed: SendProgress | null = null;
  const print = () => {
    if (latest === null || latest === printed) return;
    stream.write(`progress: ${counts(latest)}\n`);
    printed = latest;
  };
  const timer = setInterval(print, LINE_EVERY_MS);
  timer.unref();
  return {
    update(progress) {
      latest = progress;
    },
    done() {
      clearInterval(timer);
      print();
    },
  };
}

export function createProgressReporter(stream: Writable): ProgressReporter {
  return (stream as Writable & { isTTY?: boolean }).isTTY === true
    ? createBarReporter(stream)
    : createLineReporter(stream);
}
