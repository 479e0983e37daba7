import { open, statfs, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Free space on the SQLite file's filesystem, and the reserve kept for recovery.
 *
 * A full disk must not wedge the process: rows that got 200 still have to be processed (their
 * events and message records need pages, the WAL needs frames, the checkpoint may grow the
 * database file), and a restart has to fit too. So new webhooks are refused (503, Meta retries
 * them) once free space falls under the reserve, while processing and checkpoints may use it.
 * statfs is read every half second on the main thread, off the ack path: between two reads at
 * most half a second of traffic lands in the reserve, which it is sized to absorb.
 */
let probeCount = 0;

export class DiskSpaceMonitor {
  private timer: NodeJS.Timeout | undefined;
  private freeBytesNow: number | undefined;
  private readonly folder: string;

  constructor(
    dbPath: string,
    readonly reserveBytes: number,
    intervalMs = 500,
  ) {
    this.folder = dirname(dbPath);
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  /** Bytes an unprivileged writer can still use; undefined until the first read. */
  get freeBytes(): number | undefined {
    return this.freeBytesNow;
  }

  /** True once the last read saw less free space than the reserve. */
  get belowReserve(): boolean {
    return this.freeBytesNow !== undefined && this.freeBytesNow < this.reserveBytes;
  }

  /** Reads free space now; the result also updates what `belowReserve` answers. */
  async refresh(): Promise<number | undefined> {
    try {
      const stats = await statfs(this.folder);
      this.freeBytesNow = stats.bavail * stats.bsize;
    } catch {
      // A folder that cannot be read is reported by the store's own writes failing.
    }
    return this.freeBytesNow;
  }

  /**
   * Proves the filesystem takes new bytes: a rolled-back SQLite write needs no space, so readiness
   * also writes and syncs a small file beside the database, then removes it.
   */
  async probeWrite(dbPath: string): Promise<void> {
    // One file per probe: a probe that outlived its /readyz timeout must not unlink the file of
    // the next probe under it (which then failed with ENOENT and read as not ready).
    probeCount += 1;
    const probe = `${dbPath}-probe-${process.pid}-${probeCount}`;
    const handle = await open(probe, 'w');
    try {
      await handle.write(Buffer.alloc(4096, 0x2a));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await unlink(probe);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
