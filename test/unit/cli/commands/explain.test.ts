import { describe, expect, it } from 'vitest';
import { formatCodeRange, listErrorCodes, lookupErrorCode } from '../../../../src/whatsapp/error-catalog.js';
import { runWahook } from '../run-cli.js';

describe('wahook explain', () => {
  it.each(listErrorCodes().map((entry) => [formatCodeRange(entry), entry] as const))(
    'explains catalog code %s with its meaning, remedy, retry class and source',
    async (_label, entry) => {
      const run = await runWahook(['explain', String(entry.code)]);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain(`WhatsApp error ${entry.code}`);
      expect(run.stdout).toContain(entry.meaning);
      expect(run.stdout).toContain(entry.remedy);
      expect(run.stdout).toContain(`${entry.retry}: ${entry.retryLabel}`);
      expect(run.stdout).toContain(entry.source === 'cloud' ? 'Cloud API' : 'On-Premises API');
      if (entry.httpStatus !== null) expect(run.stdout).toMatch(new RegExp(`HTTP +${entry.httpStatus} `));
    },
  );

  it('explains a code inside a range with the range entry and names the range', async () => {
    const range = listErrorCodes().find(
      (entry) => entry.lastCode - entry.code >= 2 && lookupErrorCode(entry.code + 1) === entry,
    );
    expect(range).toBeDefined();
    const run = await runWahook(['explain', String(range!.code + 1)]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`one of ${formatCodeRange(range!)}`);
    expect(run.stdout).toContain(range!.meaning);
  });

  it('prints the entry as JSON with --json', async () => {
    const run = await runWahook(['explain', '131047', '--json']);
    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ code: 131047, range: '131047', retry: 'no_retry', source: 'cloud' });
    expect(json.meaning).toBe(lookupErrorCode(131047)?.meaning);
  });

  it('exits 2 for a code not in the catalog, naming the code and pointing at --list', async () => {
    expect(lookupErrorCode(999_999)).toBeUndefined();
    const run = await runWahook(['explain', '999999']);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('999999');
    expect(run.stderr).toContain('wahook explain --list');
  });

  it.each(['abc', '-5', '131026.5', '0x10'])('exits 2 for %j, which is not a code', async (text) => {
    const run = await runWahook(['explain', '--', text]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(JSON.stringify(text));
    expect(run.stderr).toContain('--list');
  });

  it('exits 2 when given no code and no --list', async () => {
    const run = await runWahook(['explain']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--list');
  });

  it('lists every catalog entry with --list, one row each', async () => {
    const run = await runWahook(['explain', '--list']);
    expect(run.exitCode).toBe(0);
    const rows = run.stdout.split('\n');
    for (const entry of listErrorCodes()) {
      const row = rows.find((line) => line.startsWith(`${formatCodeRange(entry)} `));
      expect(row, formatCodeRange(entry)).toContain(entry.retry);
    }
  });

  it('lists the catalog as JSON with --list --json', async () => {
    const run = await runWahook(['explain', '--list', '--json']);
    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as { range: string }[];
    expect(json.map((entry) => entry.range)).toEqual(listErrorCodes().map(formatCodeRange));
  });
});
