import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe } from 'vitest';
import { describeTarget } from '../../src/store/postgres/connection.js';

/**
 * PostgreSQL for tests: one server (WAHOOK_TEST_DATABASE_URL), a fresh schema per test file
 * selected through search_path, dropped only when the file's tests passed so a failure leaves its
 * rows to inspect. Without a reachable server the PostgreSQL suites are skipped loudly on a
 * developer machine and fail in CI, where skipping would hide half the contract.
 */
export const TEST_DATABASE_URL =
  process.env.WAHOOK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const availability = await probe(TEST_DATABASE_URL);

async function probe(url: string): Promise<{ reachable: true } | { reachable: false; reason: string }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { reachable: true };
  } catch (err) {
    return { reachable: false, reason: (err as Error).message || String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `describe` for suites that need PostgreSQL: skipped (loudly) or failing (in CI) without it. */
export function describePostgres(name: string, body: () => void): void {
  if (availability.reachable) {
    describe(name, body);
    return;
  }
  const problem = `PostgreSQL not reachable at ${describeTarget(TEST_DATABASE_URL)} (${availability.reason})`;
  if (process.env.CI) {
    describe(name, () => {
      beforeAll(() => {
        throw new Error(
          `${problem}. CI must run the PostgreSQL suites: start PostgreSQL or point WAHOOK_TEST_DATABASE_URL at one.`,
        );
      });
      body();
    });
    return;
  }
  console.warn(`\n*** ${problem} — skipping PostgreSQL suites ***\n`);
  describe.skip(name, body);
}

/** `base` with search_path set to `schema`, keeping any other startup options it carries. */
export function urlWithSchema(base: string, schema: string): string {
  const url = new URL(base);
  const options = [url.searchParams.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ');
  url.searchParams.set('options', options);
  return url.toString();
}

/** The schemas one test file creates; all dropped at the end, or all kept when a test failed. */
export class TestSchemas {
  readonly admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
  private readonly created: string[] = [];

  constructor(private readonly label: string) {
    this.admin.on('error', () => undefined);
  }

  async create(): Promise<{ schema: string; url: string }> {
    const label = this.label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .slice(0, 24);
    const schema = `wahook_test_${label}_${randomBytes(4).toString('hex')}`;
    await this.admin.query(`CREATE SCHEMA ${schema}`);
    this.created.push(schema);
    return { schema, url: urlWithSchema(TEST_DATABASE_URL, schema) };
  }

  async finish(keep: boolean): Promise<void> {
    if (keep) {
      console.warn(`kept PostgreSQL schemas for inspection: ${this.created.join(', ')}`);
    } else {
      for (const schema of this.created) await this.admin.query(`DROP SCHEMA ${schema} CASCADE`);
    }
    await this.admin.end();
  }
}
