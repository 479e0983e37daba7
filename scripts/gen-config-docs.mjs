// Writes docs/configuration.md from the settings table in src/config/settings.ts (via the build).
import { writeFileSync } from 'node:fs';
import { renderConfigDocs } from '../dist/config/docs.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigDocs());
console.log('wrote docs/configuration.md');
