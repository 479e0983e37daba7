/**
 * Which errors came out of the store. The HTTP layer answers those `503 store_unavailable` with
 * Retry-After (the client may retry) and everything else it did not expect `500 internal` (a bug).
 * The store is wrapped once where it is opened; each error that leaves one of its methods is
 * remembered, not replaced, so every other caller still sees the driver's own error, code and all.
 */
const failures = new WeakSet<object>();

export function isStoreFailure(err: unknown): boolean {
  return typeof err === 'object' && err !== null && failures.has(err);
}

function remember(err: unknown): never {
  if (typeof err === 'object' && err !== null) failures.add(err);
  throw err;
}

/** The same store, whose methods' errors (thrown or rejected) are known as store failures. */
export function markingFailures<S extends object>(store: S): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      let method = wrapped.get(key);
      if (method === undefined) {
        method = (...args: unknown[]) => {
          let result: unknown;
          try {
            result = Reflect.apply(value, target, args);
          } catch (err) {
            remember(err);
          }
          return result instanceof Promise ? result.catch(remember) : result;
        };
        wrapped.set(key, method);
      }
      return method;
    },
  });
}
