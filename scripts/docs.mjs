// `npm run docs`: regenerates every generated doc by running each package.json script named
// `docs:<what>`, one after the other, so that a generator added as a script is run without being
// listed here. Stops at the first that fails. Each one's test fails while its doc is stale.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const names = Object.keys(pkg.scripts ?? {}).filter((name) => name.startsWith('docs:'));
if (names.length === 0) {
  console.error('no docs:* scripts in package.json');
  process.exit(1);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const name of names) {
  const run = spawnSync(npm, ['run', '--silent', name], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`npm run ${name} failed (exit ${run.status ?? run.signal})`);
    process.exit(run.status ?? 1);
  }
}
