import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's browser files, served by the process itself (no CDN): ours from public/, uPlot
 * from its npm package. Each is read once at start and served under a name with its content hash,
 * so browsers may cache it for good and a new version is a new name.
 */
export interface Asset {
  /** The hashed name, e.g. `dashboard.3f2a9c1b7d.js`. */
  name: string;
  type: string;
  body: Buffer;
}

export type AssetKey = 'js' | 'css' | 'uplotJs' | 'uplotCss';

const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

function sources(): Record<AssetKey, string> {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));
  return {
    js: join(PUBLIC_DIR, 'dashboard.js'),
    css: join(PUBLIC_DIR, 'dashboard.css'),
    uplotJs: join(uplotDir, 'uPlot.iife.min.js'),
    uplotCss: join(uplotDir, 'uPlot.min.css'),
  };
}

export class Assets {
  readonly byKey: Record<AssetKey, Asset>;
  readonly byName = new Map<string, Asset>();

  constructor() {
    const entries = Object.entries(sources()).map(([key, path]) => {
      const body = readFileSync(path);
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
      const base = key === 'js' || key === 'css' ? 'dashboard' : 'uplot';
      const ext = path.endsWith('.css') ? 'css' : 'js';
      const asset: Asset = {
        name: `${base}.${hash}.${ext}`,
        type: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
        body,
      };
      this.byName.set(asset.name, asset);
      return [key, asset] as const;
    });
    this.byKey = Object.fromEntries(entries) as Record<AssetKey, Asset>;
  }

  url(key: AssetKey): string {
    return `/dashboard/assets/${this.byKey[key].name}`;
  }
}
