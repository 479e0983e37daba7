import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir, type TempDir } from '../../../helpers/tmp.js';

const run = promisify(execFile);
const STORE_MODULE = fileURLToPath(new URL('../../../../dist/store/sqlite/store.js', import.meta.url));

/**
 * The writer thread must not keep a finished process alive, yet a process whose only work is an
 * append must wait for that append's commit (a script, a migration tool, a test helper).
 */
describe('inbox writer thread lifetime', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('lets a process that only appends wait for the commit, then exit by itself', async () => {
    const script = `
      const { createSqliteStore } = await import(${JSON.stringify(STORE_MODULE)});
      const store = await createSqliteStore(${JSON.stringify(join(dir.path, 'w.db'))});
      const row = { receivedAt: 1, source: 'meta', auth: 'hmac', contentType: null, headers: {}, body: Buffer.from('x') };
      const ids = await store.appendInboxBatch([row, row]);
      console.log(JSON.stringify(ids));
    `;
    const file = join(dir.path, 'append-and-exit.mjs');
    await writeFile(file, script);
    const { stdout } = await run(process.execPath, [file], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual([1, 2]);
  });
});
