import { EventEmitter } from 'node:events';
import { type DataSource } from 'typeorm';
import { runInCall } from '../common/call-context.js';
import { Deadline } from '../common/deadline.js';
import { UnavailableError } from '../common/errors/app-error.js';
import { type AppConfig } from '../config/config.js';
import { Sql } from './sql.js';

/** A pg-like connection whose statement answers after `answerMs` (or never, with Infinity). */
class FakeConnection extends EventEmitter {
  released: (Error | boolean | undefined)[] = [];
  queries: { name: string; query_timeout?: number }[] = [];

  constructor(private readonly answerMs: number) {
    super();
  }

  query(config: { name: string; query_timeout?: number }) {
    this.queries.push(config);
    return new Promise<{ rows: unknown[]; rowCount: number }>((resolve, reject) => {
      const timeout = config.query_timeout ?? Infinity;
      if (this.answerMs <= timeout) {
        setTimeout(() => resolve({ rows: [{ ok: 1 }], rowCount: 1 }), this.answerMs);
      } else {
        // pg's own query_timeout error, as it reports it.
        setTimeout(() => reject(new Error('Query read timeout')), timeout);
      }
    });
  }

  release(error?: Error | boolean) {
    this.released.push(error);
  }
}

function sqlOver(connect: () => Promise<FakeConnection>): Sql {
  const dataSource = { driver: { master: { connect } } } as unknown as DataSource;
  const config = { database: { queryTimeoutMs: 1000 } } as AppConfig;
  return new Sql(dataSource, config);
}

const PING = { name: 'ping', text: 'SELECT 1' };
const within = <T>(ms: number, fn: () => Promise<T>) =>
  runInCall({ deadline: Deadline.after(ms) }, fn);

describe('Sql', () => {
  it('runs a named statement within the call deadline and gives the connection back', async () => {
    const connection = new FakeConnection(5);
    const sql = sqlOver(() => Promise.resolve(connection));
    expect(await within(500, () => sql.query(PING, []))).toEqual([{ ok: 1 }]);
    expect(connection.queries[0]?.name).toBe('ping');
    expect(connection.queries[0]?.query_timeout).toBeGreaterThan(400);
    expect(connection.queries[0]?.query_timeout).toBeLessThanOrEqual(500);
    expect(connection.released).toEqual([undefined]);
  });

  it('answers UNAVAILABLE at the deadline and destroys a connection whose statement timed out', async () => {
    const connection = new FakeConnection(Infinity);
    const sql = sqlOver(() => Promise.resolve(connection));
    const started = Date.now();
    await expect(within(100, () => sql.query(PING, []))).rejects.toBeInstanceOf(UnavailableError);
    expect(Date.now() - started).toBeLessThan(500);
    expect(connection.released).toHaveLength(1);
    expect(connection.released[0]).toBeInstanceOf(Error);
  });

  it('gives a connection that comes after the deadline back unused', async () => {
    const connection = new FakeConnection(0);
    let arrive!: () => void;
    const sql = sqlOver(
      () =>
        new Promise((resolve) => {
          arrive = () => resolve(connection);
        }),
    );
    await expect(within(50, () => sql.query(PING, []))).rejects.toBeInstanceOf(UnavailableError);
    arrive();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(connection.queries).toEqual([]);
    expect(connection.released).toEqual([undefined]);
  });

  it('starts nothing once the deadline has passed', async () => {
    let asked = 0;
    const sql = sqlOver(() => {
      asked++;
      return Promise.resolve(new FakeConnection(0));
    });
    await expect(within(0, () => sql.query(PING, []))).rejects.toBeInstanceOf(UnavailableError);
    expect(asked).toBe(0);
  });

  it('keeps a lent connection that breaks from ending the process', () => {
    const connection = new FakeConnection(0);
    const sql = sqlOver(() => Promise.resolve(connection));
    return within(500, async () => {
      await sql.query(PING, []);
      expect(() => connection.emit('error', new Error('Connection terminated'))).not.toThrow();
    });
  });
});
