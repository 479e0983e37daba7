import { Gauge, type Registry } from 'prom-client';
import type { InboxReader } from '../store/ports.js';

/**
 * Gauges about the store's footprint, read at scrape time: how large it is, how much room is left
 * on the data folder (SQLite), and whether the WAL is being copied back. Absent where the store
 * cannot tell (a PostgreSQL server's disk is not ours to see).
 */
export function registerStorageGauges(registry: Registry, store: InboxReader): void {
  const storeSize = store.storeSizeBytes?.bind(store);
  if (storeSize) {
    new Gauge({
      name: 'wahook_store_size_bytes',
      help: 'Bytes the store takes: the SQLite database and WAL files, or the PostgreSQL database.',
      registers: [registry],
      async collect() {
        const bytes = await storeSize().catch(() => undefined);
        if (bytes !== undefined) this.set(bytes);
      },
    });
  }
  const diskSpace = store.diskSpace?.bind(store);
  if (diskSpace?.()) {
    new Gauge({
      name: 'wahook_data_disk_free_bytes',
      help: 'Free bytes on the filesystem of the SQLite data folder (statfs, as an unprivileged writer sees it).',
      registers: [registry],
      collect() {
        const free = diskSpace()?.freeBytes;
        if (free !== undefined) this.set(free);
      },
    });
    new Gauge({
      name: 'wahook_data_disk_reserve_bytes',
      help: 'WAHOOK_DISK_RESERVE: below this much free space new webhooks are answered 503.',
      registers: [registry],
      collect() {
        this.set(diskSpace()?.reserveBytes ?? 0);
      },
    });
  }
  const walBacklogPages = store.walBacklogPages?.bind(store);
  const walBytes = store.walBytes?.bind(store);
  const walLimit = store.walLimitBytes?.bind(store);
  if (walBacklogPages && walBytes && walLimit?.() !== undefined) {
    new Gauge({
      name: 'wahook_sqlite_wal_backlog_pages',
      help: 'SQLite WAL pages the last checkpoint could not copy back because a reader still needs them.',
      registers: [registry],
      collect() {
        this.set(walBacklogPages());
      },
    });
    new Gauge({
      name: 'wahook_sqlite_wal_bytes',
      help: 'Size of the SQLite WAL file at the last checkpoint.',
      registers: [registry],
      collect() {
        this.set(walBytes());
      },
    });
    new Gauge({
      name: 'wahook_sqlite_wal_limit_bytes',
      help: 'WAHOOK_SQLITE_WAL_LIMIT: the size the checkpoint thread keeps the WAL under.',
      registers: [registry],
      collect() {
        this.set(walLimit() ?? 0);
      },
    });
  }
}
