// The pool metrics read the real pool of the data source (TypeORM's PostgresDriver.master: pg's
// Pool, or the PGlite driver's), on both databases: if an upgrade of TypeORM, pg or the driver
// moves or renames what they read, these tests fail instead of the gauges going silent.
import { Test, type TestingModule } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type QueryRunner } from 'typeorm';
import { ConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { Metrics, poolUseOf, type PoolUse } from '../../src/observability/metrics.js';
import { integrationConfig } from '../support/config.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/database.js';
import { parseExposition, valueOf } from '../support/prometheus.js';

const databases: [string, () => Promise<TestDatabase>, number][] = [
  // The embedded database is one session: the pool lends one connection at a time.
  ['the embedded database', () => createTestDatabase({ embedded: true }), 1],
];
// PostgreSQL: the application's pool of 10 (data-source-options.ts).
if (serverUrl() !== undefined) databases.unshift(['PostgreSQL', () => createTestDatabase(), 10]);

describe.each(databases)('the pool metrics on %s', (_, makeDatabase, size) => {
  let database: TestDatabase;
  let moduleRef: TestingModule;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await makeDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(integrationConfig(database.config, database.dataDir)),
        DatabaseModule,
      ],
    }).compile();
    dataSource = moduleRef.get(DataSource);
  });
  afterAll(async () => {
    await moduleRef.close();
    await database.drop();
  });

  const use = (): PoolUse => {
    const value = poolUseOf(dataSource);
    if (value === undefined) throw new Error('the pool tells nothing of its use');
    return value;
  };

  /** Waits (bounded) until the pool's use is `expected`: a release hands over asynchronously. */
  async function expectUse(expected: Partial<PoolUse>): Promise<void> {
    for (let i = 0; i < 100 && !matches(use(), expected); i++) await sleep(20);
    expect(use()).toMatchObject(expected);
  }

  it('counts connections in use and callers waiting, as the gauges show', async () => {
    await expectUse({ inUse: 0, waiting: 0 });
    const held: QueryRunner[] = [];
    try {
      for (let i = 0; i < size; i++) {
        const runner = dataSource.createQueryRunner();
        await runner.connect();
        held.push(runner);
      }
      await expectUse({ inUse: size, idle: 0, waiting: 0 });
      // One more caller waits for a connection.
      const waiter = dataSource.createQueryRunner();
      const connecting = waiter.connect();
      await expectUse({ inUse: size, waiting: 1 });

      const metrics = parseExposition(await new Metrics(dataSource).scrape());
      expect(valueOf(metrics, 'profile_service_db_pool_connections', { state: 'in_use' })).toBe(
        size,
      );
      expect(valueOf(metrics, 'profile_service_db_pool_waiting')).toBe(1);

      // A connection given back goes to the waiter.
      await held.pop()!.release();
      await connecting;
      held.push(waiter);
      await expectUse({ inUse: size, waiting: 0 });
    } finally {
      for (const runner of held) await runner.release();
    }
    await expectUse({ inUse: 0, waiting: 0 });
    const idle = use().idle;
    // pg keeps released connections open (idle); the PGlite driver lends its one session anew.
    expect(idle).toBe(size === 1 ? 0 : size);
    const metrics = parseExposition(await new Metrics(dataSource).scrape());
    expect(valueOf(metrics, 'profile_service_db_pool_connections', { state: 'idle' })).toBe(idle);
  });
});

function matches(actual: PoolUse, expected: Partial<PoolUse>): boolean {
  return Object.entries(expected).every(([key, value]) => actual[key as keyof PoolUse] === value);
}
