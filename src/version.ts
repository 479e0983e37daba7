import { readFileSync } from 'node:fs';

/**
 * The version of this package, read from its package.json at run time so that the number is
 * written in one place. The file sits one level above this module both in the sources (src/) and
 * in the build (dist/), and npm always packs package.json.
 */
function readVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  if (typeof manifest.version !== 'string' || manifest.version === '') {
    throw new Error('package.json has no version');
  }
  return manifest.version;
}

export const VERSION: string = readVersion();
