// The PGlite driver under real TypeORM: transactions must not share the one PGlite session, and
// values must come back typed as node-postgres types them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Column, DataSource, Entity, PrimaryColumn, QueryFailedError } from 'typeorm';
import {
  createPgliteDriver,
  type PgliteQueryResult,
  type PgliteQueryReply,
} from '../../src/database/pglite-pool.js';

@Entity('item')
class Item {
  @PrimaryColumn('text')
  id!: string;
}

@Entity('counter')
class Counter {
  @PrimaryColumn('int')
  id!: number;

  @Column('int')
  value!: number;
}

@Entity('sample')
class Sample {
  @PrimaryColumn('text')
  id!: string;

  @Column('bigint')
  big!: string;

  @Column('numeric', { precision: 12, scale: 2 })
  amount!: string;

  @Column('timestamptz')
  at!: Date;

  @Column('jsonb')
  data!: Record<string, unknown>;
}

const ENTITIES = [Item, Counter, Sample];

async function openDataSource(dataDir?: string): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'postgres',
    driver: createPgliteDriver({ dataDir }),
    entities: ENTITIES,
    synchronize: true,
    logging: false,
  });
  return dataSource.initialize();
}

function single<R>(reply: PgliteQueryReply<R>): PgliteQueryResult<R> {
  if (Array.isArray(reply)) throw new Error(`expected one result, got ${reply.length}`);
  return reply;
}

describe('PGlite driver under TypeORM (in memory)', () => {
  let dataSource: DataSource;

  beforeEach(async () => {
    dataSource = await openDataSource();
  });

  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
  });

  const ids = async (): Promise<string[]> =>
    (await dataSource.getRepository(Item).find({ order: { id: 'ASC' } })).map((item) => item.id);

  it("keeps a committed transaction's row when an overlapping one rolls back", async () => {
    // On a shared session the second transaction's ROLLBACK would also discard 'committed',
    // because its START TRANSACTION runs while the first one is still open.
    const [first, second] = await Promise.allSettled([
      dataSource.transaction(async (manager) => {
        await manager.insert(Item, { id: 'committed' });
        await sleep(100);
      }),
      dataSource.transaction(async (manager) => {
        await manager.insert(Item, { id: 'rolled-back' });
        throw new Error('second transaction fails');
      }),
    ]);

    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { message: 'second transaction fails' },
    });
    expect(await ids()).toEqual(['committed']);
  });

  it('lands every read-increment-write of many concurrent transactions', async () => {
    await dataSource.getRepository(Counter).insert({ id: 1, value: 0 });
    const transactions = 25;

    const outcomes = await Promise.allSettled(
      Array.from({ length: transactions }, () =>
        dataSource.transaction(async (manager) => {
          const counter = await manager.findOneByOrFail(Counter, { id: 1 });
          await sleep(2); // room for another transaction to read the same value, if it could
          await manager.update(Counter, { id: 1 }, { value: counter.value + 1 });
        }),
      ),
    );

    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const counter = await dataSource.getRepository(Counter).findOneByOrFail({ id: 1 });
    expect(counter.value).toBe(transactions);
  });

  it('makes a query outside an open transaction wait, then see the committed row', async () => {
    let inserted!: () => void;
    const insertedSignal = new Promise<void>((resolve) => (inserted = resolve));
    let commit!: () => void;
    const commitSignal = new Promise<void>((resolve) => (commit = resolve));
    const transaction = dataSource.transaction(async (manager) => {
      await manager.insert(Item, { id: 'late' });
      inserted();
      await commitSignal;
    });
    await insertedSignal;

    let answered = false;
    const outside = dataSource
      .query<{ n: number }[]>('SELECT count(*)::int AS n FROM item')
      .then((rows) => {
        answered = true;
        return rows;
      });
    await sleep(100);
    expect(answered).toBe(false); // it waits for the session instead of reading mid-transaction

    commit();
    await transaction;
    expect(await outside).toEqual([{ n: 1 }]);
  });

  it('types values as node-postgres does, through entities and raw queries', async () => {
    const at = new Date('2024-05-06T07:08:09.123Z');
    const data = { a: 1, nested: { list: [1, 'two', null] } };
    // 2^53 + 1: a JS number would round it, so only a string keeps it.
    await dataSource
      .getRepository(Sample)
      .insert({ id: 's1', big: '9007199254740993', amount: '12.50', at, data });

    const entity = await dataSource.getRepository(Sample).findOneByOrFail({ id: 's1' });
    expect(entity.big).toBe('9007199254740993');
    expect(entity.amount).toBe('12.50');
    expect(entity.at).toBeInstanceOf(Date);
    expect(entity.at.getTime()).toBe(at.getTime());
    expect(entity.data).toEqual(data);

    const [raw] = await dataSource.query<Record<string, unknown>[]>(
      `SELECT big, amount, at, data, 42::int4 AS int4, true AS flag, '\\x0102'::bytea AS bytes,
              ARRAY[1, 2]::int8[] AS bigs, ARRAY[3, 4]::int4[] AS ints,
              '2024-01-02 03:04:05'::timestamp AS local, $1::int4[] AS param_array,
              $2::timestamptz AS param_date
         FROM sample WHERE id = $3`,
      [[5, 6], at, 's1'],
    );
    expect(raw).toMatchObject({
      big: '9007199254740993',
      amount: '12.50',
      data,
      int4: 42,
      flag: true,
      bigs: ['1', '2'],
      ints: [3, 4],
      param_array: [5, 6],
    });
    expect(raw?.at).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(raw?.bytes)).toBe(true);
    expect([...(raw?.bytes as Buffer)]).toEqual([1, 2]);
    // timestamp without time zone: local wall time, as pg-types parses it.
    expect(raw?.local).toEqual(new Date(2024, 0, 2, 3, 4, 5));
    expect((raw?.param_date as Date).getTime()).toBe(at.getTime());
  });

  it('rejects a unique violation with SQLSTATE 23505', async () => {
    const items = dataSource.getRepository(Item);
    await items.insert({ id: 'dup' });

    const failure: unknown = await items.insert({ id: 'dup' }).then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(failure).toBeInstanceOf(QueryFailedError);
    expect(failure).toMatchObject({ code: '23505', driverError: { code: '23505' } });
    // The failed statement left no broken state behind.
    expect(await ids()).toEqual(['dup']);
  });

  it('rolls back a transaction whose query runner is released before COMMIT', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.query(`INSERT INTO item (id) VALUES ('ghost')`);
    await runner.release(); // as after a crash between BEGIN and COMMIT

    // Run on the same session: had the transaction stayed open, 'ghost' would be visible here.
    expect(await ids()).toEqual([]);
    await dataSource.getRepository(Item).insert({ id: 'after' });
    expect(await ids()).toEqual(['after']);
  });

  it('recovers the session from an aborted transaction released without ROLLBACK', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await expect(runner.query('SELECT * FROM missing_table')).rejects.toThrow(QueryFailedError);
    await runner.release();

    // Otherwise: 25P02 "current transaction is aborted, commands ignored until end of block".
    await expect(dataSource.query('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
  });
});

describe('PGlite driver on a data folder', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'pglite-pool-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('closes on destroy and keeps the data for the next DataSource', async () => {
    const dataDir = join(folder, 'nested', 'pgdata'); // created, parents included
    const first = await openDataSource(dataDir);
    await first.getRepository(Item).insert({ id: 'persisted' });
    await expect(first.destroy()).resolves.toBeUndefined();
    expect(first.isInitialized).toBe(false);

    const second = await openDataSource(dataDir);
    try {
      const items = await second.getRepository(Item).find();
      expect(items.map((item) => item.id)).toEqual(['persisted']);
    } finally {
      await second.destroy();
    }
  });

  it('lets two open DataSources on one folder share its single session', async () => {
    const dataDir = join(folder, 'pgdata');
    const first = await openDataSource(dataDir);
    const second = await openDataSource(dataDir);
    try {
      await first.getRepository(Item).insert({ id: 'from-first' });
      const seen = await second.getRepository(Item).find();
      expect(seen.map((item) => item.id)).toEqual(['from-first']);
    } finally {
      await first.destroy();
      await second.destroy();
    }
    // Both closed: a third opens the folder again.
    const third = await openDataSource(dataDir);
    expect(await third.getRepository(Item).count()).toBe(1);
    await third.destroy();
  });
});

describe('PGlite pool API', () => {
  it('answers each statement of a parameter-less text, like pg', async () => {
    const { Pool, defaults } = createPgliteDriver({ dataDir: 'memory://' });
    const pool = new Pool();
    try {
      const reply = await pool.query(
        `CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2); SELECT x FROM t ORDER BY x`,
      );
      expect(Array.isArray(reply)).toBe(true);
      expect(reply).toMatchObject([
        { command: 'CREATE', rowCount: null, rows: [] },
        { command: 'INSERT', rowCount: 2, rows: [] },
        { command: 'SELECT', rowCount: 2, rows: [{ x: 1 }, { x: 2 }] },
      ]);

      const update = single(await pool.query('UPDATE t SET x = x + $1', [10]));
      expect(update).toMatchObject({ command: 'UPDATE', rowCount: 2, rows: [] });

      // pg's callback form.
      const viaCallback = await new Promise<PgliteQueryReply>((resolve, reject) =>
        pool.query('SELECT count(*) AS n FROM t', (err, result) =>
          err !== null || result === undefined ? reject(err ?? new Error('none')) : resolve(result),
        ),
      );
      expect(single(viaCallback).rows).toEqual([{ n: '2' }]); // count is bigint: a string

      defaults.parseInt8 = true; // what TypeORM's `parseInt8: true` sets
      const asNumber = single(
        await pool.query('SELECT count(*) AS n, ARRAY[7]::int8[] AS a FROM t'),
      );
      expect(asNumber.rows).toEqual([{ n: 2, a: [7] }]);
    } finally {
      await pool.end();
    }
  });

  it('lends one client at a time, in order, with a connect timeout', async () => {
    const { Pool } = createPgliteDriver({});
    const pool = new Pool({ connectionTimeoutMillis: 200 });
    try {
      const holder = await pool.connect();
      expect(pool.totalCount).toBe(1);

      await expect(pool.connect()).rejects.toThrow('timeout exceeded when trying to connect');

      const order: string[] = [];
      const next = pool.connect().then((client) => {
        order.push('next');
        return client;
      });
      await sleep(20);
      expect(pool.waitingCount).toBe(1);
      expect(order).toEqual([]);

      holder.release();
      holder.release(); // idempotent: must not hand the session out twice
      await expect(holder.query('SELECT 1')).rejects.toThrow('released');

      const client = await next;
      expect(order).toEqual(['next']);
      expect(pool.totalCount).toBe(1);
      client.release(new Error('broken')); // pg's release(err) frees the session too
      const again = await pool.connect();
      again.release();
      await sleep(10); // the session is handed back asynchronously (after any ROLLBACK)
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('ends: waiting connects fail, the lent client finishes, PGlite closes', async () => {
    const { Pool } = createPgliteDriver({});
    const pool = new Pool();
    const holder = await pool.connect();
    const waiting = pool.connect();
    await sleep(20);

    let ended = false;
    const ending = pool.end().then(() => (ended = true));
    await expect(waiting).rejects.toThrow('Cannot use a pool after calling end on the pool');
    expect(ended).toBe(false); // still lent out

    await holder.query('SELECT 1');
    holder.release();
    await ending;
    expect(pool.ended).toBe(true);
    await expect(pool.connect()).rejects.toThrow('Cannot use a pool after calling end');
  });
});
