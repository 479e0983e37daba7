// Writes docs/openapi.json: GET /v1/openapi.json as a server built from this checkout (via the
// build) serves it. The server runs on a throwaway SQLite store, on loopback port 0, for one request.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../dist/config/load.js';
import { startServer } from '../dist/server.js';
import { createStages } from '../dist/stages.js';

const dataDir = mkdtempSync(join(tmpdir(), 'wahook-openapi-'));
const adminToken = 'docs-openapi-token';
try {
  const config = loadConfig({
    WAHOOK_APP_SECRETS: 'docs-openapi-secret',
    WAHOOK_VERIFY_TOKEN: 'docs-openapi-verify',
    WAHOOK_ADMIN_TOKEN: adminToken,
    WAHOOK_HOST: '127.0.0.1',
    WAHOOK_PORT: '0',
    WAHOOK_ROLES: 'receiver',
    WAHOOK_DATABASE_URL: `sqlite:${join(dataDir, 'wahook.db')}`,
    WAHOOK_LOG_LEVEL: 'silent',
  });
  const server = await startServer(config, { stages: createStages });
  try {
    const answer = await server.app.inject({
      method: 'GET',
      url: '/v1/openapi.json',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    if (answer.statusCode !== 200) throw new Error(`GET /v1/openapi.json answered ${answer.statusCode}`);
    writeFileSync(
      new URL('../docs/openapi.json', import.meta.url),
      `${JSON.stringify(answer.json(), null, 2)}\n`,
    );
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
console.log('wrote docs/openapi.json');
