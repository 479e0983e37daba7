/**
 * Migrates a store just opened, and closes it when that fails (a schema from a newer version, a
 * broken migration), so its connections and threads do not outlive the error that is reported.
 */
export async function migratedOrClosed<S extends { migrate(): Promise<unknown>; close(): Promise<void> }>(
  store: S,
): Promise<S> {
  try {
    await store.migrate();
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}
