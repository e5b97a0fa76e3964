import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { currentDeadline } from '../common/call-context.js';
import { Deadline } from '../common/deadline.js';
import { UnavailableError } from '../common/errors/app-error.js';
import { isUnavailable } from '../common/errors/translate-error.js';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';

/** A statement with a name: prepared once per connection, then only executed. */
export interface SqlStatement {
  name: string;
  text: string;
}

interface PooledConnection {
  query(config: {
    name: string;
    text: string;
    values: readonly unknown[];
    query_timeout?: number;
  }): Promise<{ rows: unknown[]; rowCount: number | null }>;
  /** pg's: with an error the connection is destroyed, never lent again. */
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface ConnectionPool {
  connect(): Promise<PooledConnection>;
  /** pg's counters (the PGlite driver has them too): connections open (lent or idle), idle, and callers waiting for one. */
  readonly totalCount?: number;
  readonly idleCount?: number;
  readonly waitingCount?: number;
}

/**
 * Named SQL statements on the data source's connection pool (pg's, or the PGlite driver's), each
 * within the deadline of the call it serves. It is for the hot paths: no query building and no
 * entity hydration, one round trip per statement; TypeORM still owns the schema (entities,
 * migrations) and the pool.
 *
 * Every wait is bounded by the call's deadline (or DATABASE_QUERY_TIMEOUT_MS outside a call):
 * getting a connection (a connection that arrives too late is given back unused, so nothing runs
 * after its caller was answered) and the statement itself. A connection whose statement failed
 * for want of the database (timeout, reset) is destroyed, never reused, so the next call does not
 * queue behind a statement still stuck on it.
 */
@Injectable()
export class Sql {
  private readonly logger = new Logger('Database');
  /** Connections that have our 'error' listener (pg's pool takes its own off while lent). */
  private readonly listening = new WeakSet<PooledConnection>();
  private readonly pool: ConnectionPool;
  private readonly defaultTimeoutMs: number;

  constructor(@InjectDataSource() dataSource: DataSource, @Inject(APP_CONFIG) config: AppConfig) {
    this.pool = poolOf(dataSource);
    this.defaultTimeoutMs = config.database.queryTimeoutMs;
  }

  /** The call's deadline, or one of DATABASE_QUERY_TIMEOUT_MS from now outside a call. */
  deadline(): Deadline {
    return currentDeadline() ?? Deadline.after(this.defaultTimeoutMs);
  }

  /** Runs one statement and returns its rows. */
  async query<Row>(statement: SqlStatement, values: readonly unknown[]): Promise<Row[]> {
    const deadline = this.deadline();
    const connection = await this.connect(deadline);
    let failure: Error | undefined;
    try {
      const result = await connection.query({
        name: statement.name,
        text: statement.text,
        values,
        query_timeout: Math.max(1, deadline.remainingMs()),
      });
      return result.rows as Row[];
    } catch (error) {
      if (isUnavailable(error)) {
        failure = error instanceof Error ? error : new Error(String(error));
        throw new UnavailableError(error);
      }
      throw error;
    } finally {
      connection.release(failure);
    }
  }

  private connect(deadline: Deadline): Promise<PooledConnection> {
    if (deadline.expired()) {
      return Promise.reject(new UnavailableError(new Error('deadline passed before connecting')));
    }
    // One promise and one timer per connection asked for: this runs before every statement.
    return new Promise<PooledConnection>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new UnavailableError(new Error('timeout exceeded when trying to connect')));
      }, deadline.remainingMs());
      this.pool.connect().then(
        (connection) => {
          // Too late for this call: the connection goes back unused.
          if (late) {
            connection.release();
            return;
          }
          clearTimeout(timer);
          if (!this.listening.has(connection)) {
            this.listening.add(connection);
            // A lent connection that breaks emits 'error' (the statement on it fails too);
            // without a listener that would end the process.
            connection.on('error', (error) =>
              this.logger.warn(`connection lost: ${error.message}`),
            );
          }
          resolve(connection);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(new UnavailableError(error));
        },
      );
    });
  }
}

/**
 * TypeORM's pool for the data source: `PostgresDriver.master`, a pg Pool (or the PGlite driver's).
 * It is a public property of TypeORM's driver, but not a documented API, hence this check (and
 * the integration tests of the repositories and test/integration/database-pool.spec.ts, which
 * fail if it ever changes). The one place that reaches it: Sql and the pool metrics use it.
 */
export function poolOf(dataSource: DataSource): ConnectionPool {
  const master = (dataSource.driver as unknown as { master?: unknown }).master;
  if (
    typeof master !== 'object' ||
    master === null ||
    typeof (master as { connect?: unknown }).connect !== 'function'
  ) {
    throw new Error('the data source has no connection pool (TypeORM PostgresDriver.master)');
  }
  return master as ConnectionPool;
}
