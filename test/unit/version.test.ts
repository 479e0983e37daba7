import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { USER_AGENT } from '../../src/deliver/deliver-one.js';
import { VERSION } from '../../src/version.js';
import { runWahook } from './cli/run-cli.js';

/**
 * The version is written once, in package.json: the CLI, the delivery User-Agent and the docs take
 * it from there, so a release changes one line and nothing goes stale.
 */
const ROOT = new URL('../../', import.meta.url);
const MANIFEST = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string };

function filesUnder(dir: string, ending: string): string[] {
  return readdirSync(new URL(dir, ROOT), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(ending))
    .map((name) => `${dir}${name}`);
}

function read(path: string): string {
  return readFileSync(new URL(path, ROOT), 'utf8');
}

describe('the version', () => {
  it('is the one in package.json', () => {
    expect(VERSION).toBe(MANIFEST.version);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  it('is what wahook --version prints and what deliveries send as User-Agent', async () => {
    const run = await runWahook(['--version']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe(MANIFEST.version);
    expect(USER_AGENT).toBe(`wahook/${MANIFEST.version} (+https://www.standardwebhooks.com)`);
  });

  it('is written in no source file', () => {
    const literal = new RegExp(`['"\`]v?${MANIFEST.version.replace(/\./g, '\\.')}['"\`]`);
    const found = filesUnder('src/', '.ts').filter((file) => literal.test(read(file)));
    expect(found, 'import VERSION from src/version.ts instead').toEqual([]);
  });

  it('is not stale in the README or the docs', () => {
    const stale: string[] = [];
    for (const file of ['README.md', 'CONTRIBUTING.md', 'bench/README.md', ...filesUnder('docs/', '.md')]) {
      const text = read(file);
      // wahook/1.2, wahook@1.2.3, wahook-1.2.3.tgz, "wahook 1.2.3", "version 1.2.3"
      for (const match of text.matchAll(/\b(?:wahook[/@ -]v?|version v?)(\d+\.\d+(?:\.\d+)?)\b/gi)) {
        if (match[1] !== MANIFEST.version) stale.push(`${file}: ${match[0]}`);
      }
    }
    expect(stale, `write <version> or ${MANIFEST.version}`).toEqual([]);
  });

  it('has its changes in CHANGELOG.md, newest release first, never ahead of package.json', () => {
    const changelog = read('CHANGELOG.md');
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    const released = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+[^\]]*)\]/gm)].map((match) => match[1]);
    if (released.length > 0) expect(released[0]).toBe(MANIFEST.version);
  });
});
