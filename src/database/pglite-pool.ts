import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDate } from 'node:util/types';
import { type PGlite, type Results } from '@electric-sql/pglite';
import pg from 'pg';
import { pgliteOptions } from './pglite-settings.js';
import { type PreparedDataDir, takePrepared } from './pglite-template.js';
import { compilePgliteWasm } from './pglite-wasm.js';

/**
 * A `pg`-compatible driver module over the embedded PostgreSQL PGlite, for TypeORM's `postgres`
 * driver (`new DataSource({ type: 'postgres', driver: createPgliteDriver({ dataDir }) })`).
 *
 * PGlite is ONE database session. Every query and `BEGIN … COMMIT` of every caller runs on it, so
 * two transactions that interleave are really one: a ROLLBACK of either discards both. The pool
 * therefore lends at most one client at a time (FIFO): a TypeORM query runner, and so each
 * transaction, owns the session from connect to release. Consequence: code that, inside a
 * transaction, waits for a query made outside that transaction's manager waits forever (bounded by
 * `connectTimeoutMS`, which TypeORM passes as pg's `connectionTimeoutMillis`).
 */

export interface PgliteDriverOptions {
  /** A folder path; undefined or 'memory://' = in memory (every pool gets a fresh database). */
  dataDir?: string;
  /**
   * A template made by `writeTemplate` (pglite-template.ts), copied into `dataDir` when it holds
   * no database yet, instead of running initdb there. Unusable or absent: PGlite runs initdb.
   */
  template?: string;
  /** Told, at each start of PGlite on a folder, how the folder was made ready. */
  onPrepared?: (dataDir: string, prepared: PreparedDataDir) => void;
}

/** One result, shaped like node-postgres' `QueryResult`. */
export interface PgliteQueryResult<R = Record<string, unknown>> {
  /** The first word of the command tag ('SELECT', 'UPDATE', …), as pg reports it. */
  command: string | null;
  /** The count in the command tag (rows returned or changed), null when it has none, as in pg. */
  rowCount: number | null;
  rows: R[];
  fields: { name: string; dataTypeID: number }[];
}

/** A parameter-less text with several statements answers one result per statement, as in pg. */
export type PgliteQueryReply<R = Record<string, unknown>> =
  PgliteQueryResult<R> | PgliteQueryResult<R>[];

export interface PgliteQueryConfig {
  text: string;
  values?: readonly unknown[];
  rowMode?: 'array';
}

export type PgliteQueryCallback<R = Record<string, unknown>> = (
  err: Error | null,
  result?: PgliteQueryReply<R>,
) => void;

/** `release(err)` as in pg: an error (or `true`) marks the client broken; here it is freed alike. */
export type PgliteReleaseFn = (err?: Error | boolean) => void;

export type PgliteConnectCallback = (
  err: Error | undefined,
  client: PgliteClient | undefined,
  release: PgliteReleaseFn,
) => void;

/** The subset of pg's pool config that applies here (TypeORM passes more; it is ignored). */
export interface PglitePoolConfig {
  /** Longest wait for the session in ms; 0 or absent = no limit (pg's meaning). */
  connectionTimeoutMillis?: number;
  [option: string]: unknown;
}

/** What TypeORM reads as `driver.defaults`: it sets `parseInt8` through the setter. */
export interface PgliteDriverDefaults {
  /** int8 as a JS number instead of a string (pg's `defaults.parseInt8`), for this driver only. */
  parseInt8: boolean;
  /** Send Date parameters as UTC instead of local time (pg's `defaults.parseInputDatesAsUTC`). */
  parseInputDatesAsUTC: boolean;
}

export interface PgliteDriver {
  Pool: new (config?: PglitePoolConfig) => PglitePool;
  defaults: PgliteDriverDefaults;
}

type TextParser = (value: string) => unknown;
type ParserTable = PGlite['parsers'];
type SerializerTable = PGlite['serializers'];

const INT8 = 20;
const INT8_ARRAY = 1016;
const INT4 = 23;
const INT4_ARRAY = 1007;
const ENDED_MESSAGE = 'Cannot use a pool after calling end on the pool';

/** Creates a driver module for TypeORM's `driver` option; each Pool it makes is a DataSource's. */
export function createPgliteDriver(options: PgliteDriverOptions): PgliteDriver {
  // PGlite would take '' as "in memory": refuse it, a missing setting must not lose data silently.
  if (options.dataDir?.trim() === '') throw new Error("dataDir must be a folder or 'memory://'");
  const dataDir =
    options.dataDir === undefined || options.dataDir.startsWith('memory://')
      ? undefined
      : resolve(options.dataDir);
  let parseInt8 = false;
  const defaults: PgliteDriverDefaults = {
    // TypeORM only applies its `parseInt8` option when this property has a setter.
    get parseInt8(): boolean {
      return parseInt8;
    },
    set parseInt8(value: boolean) {
      parseInt8 = value;
    },
    parseInputDatesAsUTC: false,
  };
  // node-postgres' own parsers (global pg.types, so setTypeParser applies to both databases).
  const typeParser = (oid: number): TextParser => {
    if (parseInt8 && oid === INT8) return pgTextParser(INT4);
    if (parseInt8 && oid === INT8_ARRAY) return pgTextParser(INT4_ARRAY);
    return pgTextParser(oid);
  };
  const driver: DriverContext = {
    typeParser,
    defaults,
    dataDir,
    template: options.template,
    onPrepared: options.onPrepared,
  };

  class Pool extends PglitePool {
    constructor(config?: PglitePoolConfig) {
      super(driver, config);
    }
  }
  return { Pool, defaults };
}

function pgTextParser(oid: number): TextParser {
  return pg.types.getTypeParser(oid, 'text') as TextParser;
}

interface DriverContext {
  typeParser: (oid: number) => TextParser;
  defaults: PgliteDriverDefaults;
  dataDir: string | undefined;
  template: string | undefined;
  onPrepared: PgliteDriverOptions['onPrepared'];
}

/** A pg-style pool over one PGlite session, lending at most one client at a time. */
export class PglitePool extends EventEmitter {
  readonly #driver: DriverContext;
  readonly #session: Session;
  readonly #timeoutMs: number;
  readonly #tickets = new Set<Ticket>();
  readonly #acquiring = new Set<Promise<unknown>>();
  readonly #active = new Set<PgliteClient>();
  #releaseWaiters: (() => void)[] = [];
  #ending: Promise<void> | undefined;
  #ended = false;

  constructor(driver: DriverContext, config?: PglitePoolConfig) {
    super();
    this.#driver = driver;
    this.#session = Session.attach(driver);
    const timeout = config?.connectionTimeoutMillis;
    this.#timeoutMs = typeof timeout === 'number' && timeout > 0 ? timeout : 0;
  }

  /** Clients lent out now: 0 or 1. */
  get totalCount(): number {
    return this.#active.size;
  }

  /** Always 0: the session is lent straight to the next waiter, never parked. */
  get idleCount(): number {
    return 0;
  }

  /** Callers of this pool waiting for the session. */
  get waitingCount(): number {
    return this.#tickets.size;
  }

  get ending(): boolean {
    return this.#ending !== undefined;
  }

  get ended(): boolean {
    return this.#ended;
  }

  connect(): Promise<PgliteClient>;
  connect(callback: PgliteConnectCallback): void;
  connect(callback?: PgliteConnectCallback): Promise<PgliteClient> | void {
    const acquired = this.#acquire();
    this.#acquiring.add(acquired);
    const forget = (): void => void this.#acquiring.delete(acquired);
    acquired.then(forget, forget);
    if (callback === undefined) return acquired;
    acquired.then(
      (client) => callback(undefined, client, (err) => client.release(err)),
      (err: unknown) => callback(toError(err), undefined, () => undefined),
    );
  }

  /** Acquire, run one query, release: pg's `pool.query`. */
  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    values?: readonly unknown[],
  ): Promise<PgliteQueryReply<R>>;
  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    callback: PgliteQueryCallback<R>,
  ): void;
  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    values: readonly unknown[] | undefined,
    callback: PgliteQueryCallback<R>,
  ): void;
  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    valuesOrCallback?: readonly unknown[] | PgliteQueryCallback<R>,
    callback?: PgliteQueryCallback<R>,
  ): Promise<PgliteQueryReply<R>> | void {
    const [values, done] = splitArgs(valuesOrCallback, callback);
    const run = async (): Promise<PgliteQueryReply<R>> => {
      const client = await this.connect();
      try {
        return await client.query<R>(text, values);
      } finally {
        client.release();
      }
    };
    return settle(run(), done);
  }

  /** Rejects waiting connects, waits for lent clients to come back, then closes PGlite (once). */
  end(): Promise<void>;
  end(callback: (err?: Error) => void): void;
  end(callback?: (err?: Error) => void): Promise<void> | void {
    this.#ending ??= this.#end();
    if (callback === undefined) return this.#ending;
    this.#ending.then(
      () => callback(),
      (err: unknown) => callback(toError(err)),
    );
  }

  async #end(): Promise<void> {
    for (const ticket of this.#tickets) ticket.cancel(new Error(ENDED_MESSAGE));
    await Promise.allSettled([...this.#acquiring]);
    // Like pg, end waits for lent clients (TypeORM releases its query runners before ending).
    while (this.#active.size > 0) {
      await new Promise<void>((wake) => this.#releaseWaiters.push(wake));
    }
    await this.#session.detach();
    this.#ended = true;
  }

  async #acquire(): Promise<PgliteClient> {
    if (this.#ending) throw new Error(ENDED_MESSAGE);
    // Start PGlite outside the queue, so the connect timeout counts only the wait for the session.
    const db = await this.#session.open();
    if (this.#ending) throw new Error(ENDED_MESSAGE);
    const ticket = this.#session.lock.acquire();
    this.#tickets.add(ticket);
    const timer =
      this.#timeoutMs > 0
        ? setTimeout(
            () => ticket.cancel(new Error('timeout exceeded when trying to connect')),
            this.#timeoutMs,
          )
        : undefined;
    try {
      await ticket.granted;
    } finally {
      clearTimeout(timer);
      this.#tickets.delete(ticket);
    }
    // From here this pool holds the session: no await until it is lent or given back.
    const refusal = this.#ending ? new Error(ENDED_MESSAGE) : this.#session.broken;
    if (refusal !== undefined) {
      this.#session.lock.release();
      throw refusal;
    }
    this.#session.typeParser = this.#driver.typeParser;
    const client = new PgliteClient(db, this.#driver.defaults, (inFlight) => {
      void this.#handOver(client, db, inFlight);
    });
    this.#active.add(client);
    return client;
  }

  /** Runs once per client, at release: leaves the session outside any transaction, passes it on. */
  async #handOver(client: PgliteClient, db: PGlite, inFlight: Promise<unknown>): Promise<void> {
    try {
      await inFlight;
      // A client given back inside a transaction (a crash between BEGIN and COMMIT): its work
      // must not become the next owner's transaction. PGlite reports the block, even if aborted.
      if (db.isInTransaction()) {
        await db.exec('ROLLBACK');
        if (db.isInTransaction())
          throw new Error('ROLLBACK left the PGlite session in a transaction');
      }
    } catch (err) {
      // Never lend a session in an unknown transaction state: every later connect fails instead.
      this.#session.broken ??= toError(err);
      if (this.listenerCount('error') > 0) this.emit('error', toError(err));
    } finally {
      this.#active.delete(client);
      this.#session.lock.release();
      for (const wake of this.#releaseWaiters.splice(0)) wake();
    }
  }
}

/** The session lent by the pool; one object per lending, dead after release. */
export class PgliteClient extends EventEmitter {
  readonly #db: PGlite;
  readonly #defaults: PgliteDriverDefaults;
  readonly #onRelease: (inFlight: Promise<unknown>) => void;
  readonly #inFlight = new Set<Promise<unknown>>();
  #released = false;

  constructor(
    db: PGlite,
    defaults: PgliteDriverDefaults,
    onRelease: (inFlight: Promise<unknown>) => void,
  ) {
    super();
    this.#db = db;
    this.#defaults = defaults;
    this.#onRelease = onRelease;
  }

  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    values?: readonly unknown[],
  ): Promise<PgliteQueryReply<R>>;
  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    callback: PgliteQueryCallback<R>,
  ): void;
  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    values: readonly unknown[] | undefined,
    callback: PgliteQueryCallback<R>,
  ): void;
  query<R = Record<string, unknown>>(
    text: string | PgliteQueryConfig,
    valuesOrCallback?: readonly unknown[] | PgliteQueryCallback<R>,
    callback?: PgliteQueryCallback<R>,
  ): Promise<PgliteQueryReply<R>> | void {
    const [values, done] = splitArgs(valuesOrCallback, callback);
    const run = this.#run<R>(text, values);
    this.#inFlight.add(run);
    const forget = (): void => void this.#inFlight.delete(run);
    run.then(forget, forget);
    return settle(run, done);
  }

  /** Gives the session back (idempotent). Open transactions are rolled back first. */
  release(_err?: Error | boolean): void {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease(Promise.allSettled([...this.#inFlight]));
  }

  async #run<R>(
    text: string | PgliteQueryConfig,
    values: readonly unknown[] | undefined,
  ): Promise<PgliteQueryReply<R>> {
    // A released client no longer owns the session: running its query would break isolation.
    if (this.#released) throw new Error('Client has already been released to the pool');
    const config = normalizeQuery(text, values);
    const options = config.rowMode === 'array' ? { rowMode: 'array' as const } : undefined;
    const params = config.values ?? [];
    if (params.length === 0) {
      // pg sends a query without parameters with the simple protocol, which allows several
      // statements (the server splits them); PGlite's exec is that protocol.
      const results = await this.#db.exec(config.text, options);
      const replies = results.map((result) => toPgResult<R>(result));
      return replies.length === 1 && replies[0] !== undefined ? replies[0] : replies;
    }
    const asUtc = this.#defaults.parseInputDatesAsUTC;
    const prepared = params.map((value) => prepareValue(value, asUtc, []));
    return toPgResult<R>(await this.#db.query(config.text, prepared, options));
  }
}

// ---------------------------------------------------------------------------------------------
// The session: one PGlite per data folder in this process, shared by every pool on that folder.
// ---------------------------------------------------------------------------------------------

const openSessions = new Map<string, Session>();

class Session {
  readonly lock = new FifoLock();
  /** Set when the session can no longer be trusted; every later connect fails with it. */
  broken: Error | undefined;
  /** The parsers of the pool whose client holds the session (read while its queries run). */
  typeParser: (oid: number) => TextParser = pgTextParser;
  #pools = 0;
  #db: Promise<PGlite> | undefined;
  #closed: Promise<void> | undefined;

  private constructor(
    private readonly driver: DriverContext,
    private readonly previous: Promise<void>,
  ) {}

  private get dataDir(): string | undefined {
    return this.driver.dataDir;
  }

  /** Two PGlite instances on one folder would corrupt it; pools on the same folder share one. */
  static attach(driver: DriverContext): Session {
    const dataDir = driver.dataDir;
    if (dataDir === undefined) return Session.#retain(new Session(driver, Promise.resolve()));
    const current = openSessions.get(dataDir);
    if (current !== undefined && current.#closed === undefined) return Session.#retain(current);
    // A session on this folder still closing: the new one starts PGlite after it has closed.
    const previous = current === undefined ? undefined : current.#closed;
    const session = new Session(driver, previous ?? Promise.resolve());
    openSessions.set(dataDir, session);
    return Session.#retain(session);
  }

  static #retain(session: Session): Session {
    session.#pools += 1;
    return session;
  }

  open(): Promise<PGlite> {
    if (this.#closed !== undefined) return Promise.reject(new Error(ENDED_MESSAGE));
    if (this.#db === undefined) {
      const db = this.previous.then(() => this.#start());
      // A failed start (bad folder, say) is not kept: the next connect tries again.
      db.catch(() => {
        if (this.#db === db) this.#db = undefined;
      });
      this.#db = db;
    }
    return this.#db;
  }

  /** One pool fewer; the last one closes PGlite. */
  detach(): Promise<void> {
    this.#pools -= 1;
    if (this.#pools > 0) return Promise.resolve();
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #start(): Promise<PGlite> {
    const dataDir = this.dataDir;
    if (dataDir !== undefined) {
      // A first start copies the template in (or leaves the folder to PGlite's initdb); server.ts
      // may have started that already.
      const prepared = await takePrepared(dataDir, this.driver.template);
      this.driver.onPrepared?.(dataDir, prepared);
      // PGlite's NodeFS creates only the last folder of the path.
      mkdirSync(dataDir, { recursive: true });
    }
    // Loaded only when an embedded database is used (not with DATABASE_URL).
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(dataDir ?? 'memory://', {
      ...pgliteOptions(PGlite.defaultStartParams),
      // Compiled once per process, from server.ts on when the embedded database is configured.
      pgliteWasmModule: await compilePgliteWasm(),
    });
    await db.waitReady;
    // PGlite looks parsers up by type OID in this table at each row, falling back to its own. A
    // table answering every OID with node-postgres' parser gives pg's types: int8 and numeric as
    // strings, timestamps as Date, bytea as Buffer, arrays as pg parses them (or raw text).
    db.parsers = new Proxy<ParserTable>(
      {},
      {
        get: (_table, key) => {
          if (typeof key !== 'string' || !/^\d+$/.test(key)) return undefined;
          const parse = this.typeParser(Number(key));
          return (value: string) => parse(value);
        },
      },
    );
    // Parameters arrive already in Postgres text form (pg's prepareValue below); PGlite's own
    // serializers would reject some of it (a bytea as text) and must not convert it again.
    db.serializers = new Proxy<SerializerTable>(
      {},
      {
        get: (_table, key) =>
          typeof key === 'string' && /^\d+$/.test(key) ? (value: string) => value : undefined,
      },
    );
    return db;
  }

  async #close(): Promise<void> {
    try {
      const db = await this.#db?.catch(() => undefined);
      if (db !== undefined && !db.closed) await db.close();
    } finally {
      if (this.dataDir !== undefined && openSessions.get(this.dataDir) === this) {
        openSessions.delete(this.dataDir);
      }
    }
  }
}

interface Ticket {
  granted: Promise<void>;
  /** Withdraws a waiting request; does nothing once granted. */
  cancel(reason: Error): void;
}

/** A mutex granting in request order, whose waiters can be withdrawn (timeout, pool end). */
class FifoLock {
  #held = false;
  readonly #queue: { grant: () => void }[] = [];

  acquire(): Ticket {
    if (!this.#held) {
      this.#held = true;
      return { granted: Promise.resolve(), cancel: () => undefined };
    }
    let settled = false;
    let entry: { grant: () => void } | undefined;
    let reject: (reason: Error) => void = () => undefined;
    const granted = new Promise<void>((resolveGrant, rejectGrant) => {
      entry = {
        grant: () => {
          settled = true;
          resolveGrant();
        },
      };
      reject = rejectGrant;
    });
    if (entry !== undefined) this.#queue.push(entry);
    return {
      granted,
      cancel: (reason) => {
        if (settled) return;
        settled = true;
        const index = entry === undefined ? -1 : this.#queue.indexOf(entry);
        if (index >= 0) this.#queue.splice(index, 1);
        reject(reason);
      },
    };
  }

  release(): void {
    const next = this.#queue.shift();
    if (next !== undefined) next.grant();
    else this.#held = false;
  }
}

// ---------------------------------------------------------------------------------------------
// pg's argument forms and value conversion.
// ---------------------------------------------------------------------------------------------

function splitArgs<R>(
  valuesOrCallback: readonly unknown[] | PgliteQueryCallback<R> | undefined,
  callback: PgliteQueryCallback<R> | undefined,
): [readonly unknown[] | undefined, PgliteQueryCallback<R> | undefined] {
  if (typeof valuesOrCallback === 'function') return [undefined, valuesOrCallback];
  return [valuesOrCallback, callback];
}

/** pg's dual API: a promise, or (with a callback) nothing. */
function settle<R>(
  run: Promise<PgliteQueryReply<R>>,
  callback: PgliteQueryCallback<R> | undefined,
): Promise<PgliteQueryReply<R>> | void {
  if (callback === undefined) return run;
  run.then(
    (result) => callback(null, result),
    (err: unknown) => callback(toError(err)),
  );
}

function normalizeQuery(
  text: string | PgliteQueryConfig,
  values: readonly unknown[] | undefined,
): PgliteQueryConfig {
  if (typeof text === 'string') return { text, values };
  if (typeof (text as { submit?: unknown }).submit === 'function') {
    throw new Error('pglite-pool does not run pg Submittable queries (streams, cursors)');
  }
  return values === undefined ? text : { ...text, values };
}

function toPgResult<R>(result: Results): PgliteQueryResult<R> {
  // PGlite's `affectedRows` sums the whole text and is 0 for SELECT; `rowCount` is the command
  // tag's count, which is what pg reports.
  return {
    command: result.command ?? null,
    rowCount: result.rowCount ?? null,
    rows: result.rows as R[],
    fields: result.fields,
  };
}

/** Errors keep their own shape (PGlite's DatabaseError carries `code`, `detail`, `constraint`). */
function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * A port of node-postgres 8's `prepareValue` (lib/utils.js, not part of its typed API), so
 * parameters reach PGlite exactly as pg would send them: Dates in local time with offset,
 * arrays as array literals, objects as JSON, `toPostgres()` honoured. One difference: pg sends a
 * Buffer in binary; here it goes as bytea's text form, which PGlite's text-only bind accepts.
 */
function prepareValue(value: unknown, asUtc: boolean, seen: unknown[]): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') {
    if (ArrayBuffer.isView(value)) return `\\x${toBuffer(value).toString('hex')}`;
    if (isDate(value)) return asUtc ? dateToStringUtc(value) : dateToString(value);
    if (Array.isArray(value)) return arrayString(value, asUtc);
    const toPostgres = (value as { toPostgres?: unknown }).toPostgres;
    if (typeof toPostgres === 'function') {
      if (seen.includes(value)) {
        throw new Error('circular reference detected while preparing value for query');
      }
      const prepare = (inner: unknown): string | null => prepareValue(inner, asUtc, []);
      const converted: unknown = (toPostgres as (p: typeof prepare) => unknown).call(
        value,
        prepare,
      );
      return prepareValue(converted, asUtc, [...seen, value]);
    }
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  throw new TypeError(`A ${typeof value} cannot be sent as a query parameter`);
}

function toBuffer(view: ArrayBufferView): Buffer {
  return Buffer.isBuffer(view) ? view : Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function arrayString(values: readonly unknown[], asUtc: boolean): string {
  const items = values.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return arrayString(item, asUtc);
    if (ArrayBuffer.isView(item)) return `\\\\x${toBuffer(item).toString('hex')}`;
    const text = prepareValue(item, asUtc, []) ?? '';
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function dateToString(date: Date): string {
  let offset = -date.getTimezoneOffset();
  let year = date.getFullYear();
  const isBc = year < 1;
  if (isBc) year = Math.abs(year) + 1;
  let text =
    `${pad(year, 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}`;
  if (offset < 0) {
    text += '-';
    offset = -offset;
  } else {
    text += '+';
  }
  text += `${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`;
  return isBc ? `${text} BC` : text;
}

function dateToStringUtc(date: Date): string {
  let year = date.getUTCFullYear();
  const isBc = year < 1;
  if (isBc) year = Math.abs(year) + 1;
  const text =
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `.${pad(date.getUTCMilliseconds(), 3)}+00:00`;
  return isBc ? `${text} BC` : text;
}
