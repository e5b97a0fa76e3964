import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DatabaseConfig } from '../../src/config/config.js';

export interface TestDatabase {
  config: DatabaseConfig;
  /** Where this test's files live (embedded database, development keys). */
  dataDir: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server the tests use, if any: TEST_DATABASE_URL, else DATABASE_URL. */
export function serverUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  return url === undefined || url.trim() === '' ? undefined : url;
}

/**
 * `describe` for tests that need a database server (cutting its link, stopping it under load):
 * the embedded database lives in the test's own process, so without a server they are skipped.
 */
export const describeWithServer = serverUrl() === undefined ? describe.skip : describe;

/**
 * A fresh, empty database for one test file: a new database on the real PostgreSQL server when
 * one is given (so files run in parallel without sharing rows), else an embedded PGlite in a
 * temporary folder (always, with `embedded: true`). Migrations are applied by the application itself when it starts.
 */
export async function createTestDatabase(
  options: { embedded?: boolean } = {},
): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'profile-test-'));
  const timeouts = { connectTimeoutMs: 5000, queryTimeoutMs: 10_000 };
  const url = options.embedded === true ? undefined : serverUrl();
  if (url === undefined) {
    return {
      config: { kind: 'embedded', dataDir, ...timeouts },
      dataDir,
      drop: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
    };
  }
  const name = `profile_test_${randomBytes(6).toString('hex')}`;
  await admin(url, `CREATE DATABASE "${name}"`);
  const testUrl = new URL(url);
  testUrl.pathname = `/${name}`;
  return {
    config: { kind: 'postgres', url: testUrl.toString(), ...timeouts },
    dataDir,
    drop: async () => {
      await admin(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
