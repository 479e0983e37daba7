import { SETTINGS } from './settings.js';

/** docs/configuration.md, generated from the settings table so the two cannot drift. */
export function renderConfigDocs(): string {
  const rows = Object.values(SETTINGS).map(
    (spec) =>
      `| \`${spec.env}\` | ${spec.description.replace(/\|/g, '\\|')} | ${spec.defaultText === undefined ? '—' : `\`${spec.defaultText}\``} |`,
  );
  return [
    '# Configuration',
    '',
    'Generated from `src/config/settings.ts` by `npm run docs:config`; a test fails when this file and the code',
    'disagree. Every command reads the same variables. A JSON file named by `WAHOOK_CONFIG_FILE` may supply any',
    'of them (keys are the variable names); the environment wins. Secrets are never logged: the startup summary',
    'shows them as `configured`, `generated (local mode)` or `not set`.',
    '',
    '| variable | meaning | default |',
    '| --- | --- | --- |',
    ...rows,
    '| `WAHOOK_CONFIG_FILE` | JSON file with any of the variables above as keys; the environment wins. | none |',
    '',
  ].join('\n');
}
