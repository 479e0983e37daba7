import type { Config } from './load.js';
import type { Secrets } from './local-mode.js';
import { SETTINGS } from './settings.js';

/**
 * The startup summary: every setting with its value, secrets shown only as "configured",
 * "generated" or "not set", so the log answers "what is this process running with?" safely.
 */
export function summarizeConfig(config: Config, secrets?: Secrets): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(SETTINGS)) {
    const value = (config as unknown as Record<string, unknown>)[key];
    if (spec.env === 'WAHOOK_DATABASE_URL') {
      out[spec.env] = withoutPassword(String(value));
      continue;
    }
    if (spec.secret) {
      if (config.provided.has(spec.env)) out[spec.env] = 'configured';
      else if (secrets?.localMode && value === undefined && spec.defaultText?.startsWith('local mode'))
        out[spec.env] = 'generated (local mode)';
      else
        out[spec.env] =
          value === undefined || (Array.isArray(value) && value.length === 0) ? 'not set' : 'default';
      continue;
    }
    out[spec.env] = value === undefined ? 'not set' : Array.isArray(value) ? value.join(',') : String(value);
  }
  out.WAHOOK_DATA_DIR = config.dataDir;
  return out;
}

/** The database URL is useful in a log; its password is not. */
export function withoutPassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
