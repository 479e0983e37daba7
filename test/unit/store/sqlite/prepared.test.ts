import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { prepared } from '../../../../src/store/sqlite/prepared.js';

describe('prepared statements per connection', () => {
  it('prepares a SQL text once per connection and keeps each connection apart', () => {
    const a = new Database(':memory:');
    const b = new Database(':memory:');
    try {
      a.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)');
      b.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (2)');
      const sql = 'SELECT n FROM t';
      expect(prepared(a, sql)).toBe(prepared(a, sql));
      expect(prepared(b, sql)).not.toBe(prepared(a, sql));
      expect(prepared(a, sql).get()).toEqual({ n: 1 });
      expect(prepared(b, sql).get()).toEqual({ n: 2 });
      expect(prepared(a, 'SELECT n + 1 AS n FROM t').get()).toEqual({ n: 2 });
    } finally {
      a.close();
      b.close();
    }
  });
});
