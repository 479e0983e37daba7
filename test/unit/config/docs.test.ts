import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs } from '../../../src/config/docs.js';
import { SETTINGS } from '../../../src/config/settings.js';

describe('docs/configuration.md', () => {
  it('matches the settings table (run `npm run docs:config` after changing a setting)', () => {
    const onDisk = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderConfigDocs());
  });

  it('documents every variable the contract names', () => {
    const contract = [
      'WAHOOK_APP_SECRETS',
      'WAHOOK_VERIFY_TOKEN',
      'WAHOOK_ADMIN_TOKEN',
      'WAHOOK_DATABASE_URL',
    ];
    const more = ['WAHOOK_HOST', 'WAHOOK_PORT', 'WAHOOK_ROLES', 'WAHOOK_LOG_LEVEL'];
    const limits = ['WAHOOK_DELIVERY_RETRY_DELAYS', 'WAHOOK_MAX_BODY_BYTES'];
    const envs = Object.values(SETTINGS).map((spec) => spec.env);
    for (const name of [...contract, ...more, ...limits]) expect(envs).toContain(name);
  });
});
