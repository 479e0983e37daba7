/**
 * What `npm pack` puts in the tarball users install. The migrations are read from sql/ at run time
 * (src/store/shared/migrations.ts) and the docs send operators to deploy/, so both must be there,
 * with the LICENSE package.json names.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = new URL('../../', import.meta.url);

function packedFiles(): string[] {
  // --ignore-scripts: the listing needs no build; dist/ is checked by the build itself.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
  });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return (pack?.files ?? []).map((file) => file.path);
}

describe('the npm package', () => {
  test('carries every migration, the deploy samples and the LICENSE', () => {
    const files = packedFiles();
    for (const dialect of ['sqlite', 'postgres']) {
      const migrations = readdirSync(new URL(`sql/${dialect}/`, root)).filter((file) =>
        file.endsWith('.sql'),
      );
      expect(migrations.length).toBeGreaterThan(0);
      for (const migration of migrations) expect(files).toContain(`sql/${dialect}/${migration}`);
    }
    const samples = readdirSync(new URL('deploy/', root), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(fileURLToPath(root), join(entry.parentPath, entry.name)));
    expect(samples).toContain('deploy/prometheus/alerts.yml');
    for (const sample of samples) expect(files).toContain(sample);
    expect(files).toContain('LICENSE');
    // The dashboard's own browser files are read from public/ at start.
    expect(files).toContain('public/dashboard.js');
    expect(files).toContain('public/dashboard.css');
    expect(files).toContain('CHANGELOG.md');
    // The event JSON Schema, exported as `wahook/event-schema.json`.
    expect(files).toContain('docs/event-schema.json');
  });
});
