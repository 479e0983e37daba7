import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { summarizeConfig, withoutPassword } from '../../../src/config/summary.js';

describe('startup summary', () => {
  it('shows secrets only as configured and never their values', () => {
    const config = loadConfig({
      WAHOOK_APP_SECRETS: 'first-secret,second-secret',
      WAHOOK_VERIFY_TOKEN: 'verify-me',
      WAHOOK_ADMIN_TOKEN: 'admin-me',
      WAHOOK_HEADER_AUTH: 'd360=Authorization:Bearer header-secret',
      WAHOOK_DATABASE_URL: 'postgres://wahook:pg-password@db.internal:5432/wahook',
    });
    const summary = summarizeConfig(config);
    const text = JSON.stringify(summary);
    for (const secret of [
      'first-secret',
      'second-secret',
      'verify-me',
      'admin-me',
      'header-secret',
      'pg-password',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(summary.WAHOOK_APP_SECRETS).toBe('configured');
    expect(summary.WAHOOK_DATABASE_URL).toBe('postgres://wahook:***@db.internal:5432/wahook');
    expect(summary.WAHOOK_PORT).toBe('8080');
  });

  it('leaves URLs without a password as they are', () => {
    expect(withoutPassword('sqlite:./data/wahook.db')).toBe('sqlite:./data/wahook.db');
    expect(withoutPassword('postgres://postgres@127.0.0.1/test')).toBe('postgres://postgres@127.0.0.1/test');
  });
});
