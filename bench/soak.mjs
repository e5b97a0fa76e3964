#!/usr/bin/env node
// Soak test of profile-service: starts the BUILT service (dist/) as a child process in
// development mode (like bench/run.mjs), mints tokens with its own CLI, and for SOAK_SECONDS
// drives a mix of valid and hostile traffic at it on every transport, on loopback only. Then it
// checks that no update was lost (per subject: the sequences answered are 1..n without gaps or
// duplicates, the history holds exactly them, the stored profile is the last one), and reports
// requests and outcomes by kind, resets and timeouts, the service's RSS (start, peak, end, from
// /proc) and its event-loop lag as seen from outside (the latency of /healthz, sampled every
// second; and /metrics' event-loop gauge when the service has one). See docs/reliability.md.
//
//   npm run build && npm run soak                                   # embedded database
//   SOAK_DATABASE_URL=postgres://postgres@127.0.0.1:5432/soak_x npm run soak
//
// Settings (environment):
//   SOAK_SECONDS          how long the load runs (default 180)
//   SOAK_DATABASE_URL     PostgreSQL for the service; unset: the embedded database (PGlite)
//   SOAK_CONCURRENCY      workers sending valid requests (default 8); hostile ones: a quarter
//   SOAK_RSS_GROWTH_MIB   largest RSS growth allowed after the warm-up (default 64, see the doc)
//   SOAK_SEED             seed of the random mix (printed at the start; the timing still varies)
//   SOAK_JSON             also write every figure as JSON to this path
//   SOAK_KEEP             1: keep the temporary DATA_DIR and the service log
//
// Every loop is bounded by the overall deadline, every request by a timeout, every wait at the
// end by a timeout. Exit code 0 when every check held; 1 when an update was lost, an answer was
// a 5xx (or gRPC 2, 13, 14, 15), a valid request failed, reset or timed out, a hostile one got an
// answer outside its expected set, RSS grew past the bound, or the service died; 2 when dist/ is
// missing.
import { fromBinary, toBinary, create } from '@bufbuild/protobuf';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect as h2connect, constants as h2constants } from 'node:http2';
import { connect as netConnect, createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST_MAIN = join(ROOT, 'dist', 'main.js');
const DIST_TOKEN = join(ROOT, 'dist', 'cli', 'token.js');
const DIST_AUTH_PB = join(ROOT, 'dist', 'gen', 'zitadel', 'auth_pb.js');

const SECONDS = positiveInt('SOAK_SECONDS', 180);
const DATABASE_URL = nonEmpty(process.env.SOAK_DATABASE_URL);
const CONCURRENCY = positiveInt('SOAK_CONCURRENCY', 8);
const HOSTILE_CONCURRENCY = Math.max(1, Math.round(CONCURRENCY / 4));
const RSS_GROWTH_LIMIT_MIB = positiveInt('SOAK_RSS_GROWTH_MIB', 64);
const KEEP = process.env.SOAK_KEEP === '1';
const REQUEST_TIMEOUT_MS = 10_000;
/** A slow client is answered within the server's headers timeout (10 s) and its check interval. */
const SLOW_TIMEOUT_MS = 25_000;
const READY_TIMEOUT_MS = 60_000;
/** Subjects whose every update is accounted for, and subjects the hostile traffic uses. */
const SUBJECTS = 12;
const WARMUP_MS = Math.min(30_000, Math.round(SECONDS * 1000 * 0.15));

// ---------------------------------------------------------------------------------------------

function positiveInt(name, fallback) {
  const raw = nonEmpty(process.env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    fail(`${name} must be a positive whole number (got "${raw}")`);
  return Number(raw);
}

function nonEmpty(value) {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function fail(message, code = 1) {
  console.error(`soak: ${message}`);
  process.exit(code);
}

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** VmRSS and VmHWM (peak RSS) of a process in MiB, from /proc (Linux only). */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1]);
    return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
  } catch {
    return { rssMiB: NaN, hwmMiB: NaN };
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function fmt(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function redact(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'invalid URL';
  }
}

/** A small seeded PRNG (mulberry32): SOAK_SEED draws the same kinds and values again. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = Number(nonEmpty(process.env.SOAK_SEED) ?? Date.now() % 2 ** 31);
const random = prng(SEED);
const pick = (items) => items[Math.floor(random() * items.length)];
const randomBytes = (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

/** Picks one entry of `[weight, value]` pairs. */
function weighted(entries) {
  const total = entries.reduce((sum, [w]) => sum + w, 0);
  let r = random() * total;
  for (const [w, value] of entries) {
    r -= w;
    if (r < 0) return value;
  }
  return entries[entries.length - 1][1];
}

// ---------------------------------------------------------------------------------------------
// The service under test (the same way bench/run.mjs starts it).
// ---------------------------------------------------------------------------------------------

class Service {
  constructor({ dataDir, port, grpcPort, databaseUrl, logPath }) {
    Object.assign(this, { dataDir, port, grpcPort, databaseUrl, logPath });
    this.exited = undefined;
    this.stopping = false;
  }

  env() {
    const env = { ...process.env };
    for (const key of Object.keys(env)) {
      if (key.startsWith('AUTH_') || key.startsWith('SOAK_') || key.startsWith('BENCH_'))
        delete env[key];
    }
    delete env.DATABASE_URL;
    delete env.DEFAULT_RESOURCE_OWNER;
    delete env.RATE_LIMIT_PER_MINUTE;
    env.NODE_ENV = 'development';
    env.PORT = String(this.port);
    env.GRPC_PORT = String(this.grpcPort);
    env.DATA_DIR = this.dataDir;
    env.LOG_LEVEL = 'warn';
    if (this.databaseUrl !== undefined) env.DATABASE_URL = this.databaseUrl;
    return env;
  }

  async start() {
    this.log = createWriteStream(this.logPath, { flags: 'a' });
    const started = performance.now();
    const child = spawn(process.execPath, [DIST_MAIN], {
      cwd: ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.pid = child.pid;
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      if (!this.stopping)
        console.error(`\nsoak: the service exited unexpectedly (code ${code}, signal ${signal})`);
    });
    const deadline = started + READY_TIMEOUT_MS;
    while (performance.now() < deadline) {
      this.assertAlive();
      try {
        const res = await fetch(`${this.httpBase}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`the service was not ready within ${READY_TIMEOUT_MS / 1000} s`);
  }

  get httpBase() {
    return `http://127.0.0.1:${this.port}`;
  }

  assertAlive() {
    if (this.exited !== undefined) {
      throw new Error(`the service died (code ${this.exited.code}, signal ${this.exited.signal})`);
    }
  }

  memory() {
    return memoryOf(this.pid);
  }

  /** SIGTERM, then SIGKILL after 15 s; the exit code and the time it took. */
  async stop() {
    if (this.child === undefined || this.exited !== undefined) return { ms: NaN, code: NaN };
    this.stopping = true;
    const started = performance.now();
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const [code] = await exited;
    clearTimeout(timer);
    return { ms: performance.now() - started, code };
  }

  logTail(lines = 30) {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async mintToken(subject) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [DIST_TOKEN, subject, '--ttl', String(SECONDS + 900)],
      { cwd: ROOT, env: this.env(), timeout: 30_000 },
    );
    const token = stdout.trim();
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token))
      throw new Error(`token.js printed no token for ${subject}`);
    return token;
  }
}

/**
 * The service log's warnings and errors, counted by message (digits folded, so that one kind of
 * message is one row): what the service made of the hostile traffic.
 */
function summariseLog(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const counts = new Map();
  // eslint-disable-next-line no-control-regex
  for (const line of text.replace(/\u001b\[[0-9;]*m/g, '').split('\n')) {
    const match =
      /\b(WARN|ERROR|FATAL)\s+(?:\[[^\]]*\]\s*)?(.*)$/.exec(line) ??
      /"level":"?(warn|error|fatal|40|50|60)"?.*"msg":"([^"]*)"/.exec(line);
    if (match === null) continue;
    const key = `${match[1].toUpperCase()}\t${match[2].replace(/\d+/g, 'N').slice(0, 100)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([key, n]) => [...key.split('\t'), n]);
}

// ---------------------------------------------------------------------------------------------
// What happened: every request is one outcome of one kind.
// ---------------------------------------------------------------------------------------------

class Outcomes {
  constructor() {
    /** kind -> { valid, count, outcomes: Map(label -> count), latencies: number[] } */
    this.kinds = new Map();
    this.failures = [];
  }

  kind(name, valid) {
    let k = this.kinds.get(name);
    if (k === undefined) {
      k = { valid, count: 0, ok: 0, unexpected: 0, outcomes: new Map(), latencies: [] };
      this.kinds.set(name, k);
    }
    return k;
  }

  /**
   * One request of `kind` ended with `label` (e.g. "HTTP 400 code 3", "grpc 16", "reset",
   * "timeout", "dropped"); `expected` says whether that is an answer the kind may get.
   */
  record(kind, valid, label, expected, ms) {
    const k = this.kind(kind, valid);
    k.count += 1;
    k.outcomes.set(label, (k.outcomes.get(label) ?? 0) + 1);
    if (label === 'ok') k.ok += 1;
    if (valid && label === 'ok' && ms !== undefined) k.latencies.push(ms);
    const fatal = isServerError(label) || !expected;
    if (fatal) {
      k.unexpected += 1;
      if (this.failures.length < 50) this.failures.push(`${kind}: ${label}`);
    }
  }

  get total() {
    let n = 0;
    for (const k of this.kinds.values()) n += k.count;
    return n;
  }
}

/** A 5xx, or a gRPC code that means the server failed (UNKNOWN, INTERNAL, UNAVAILABLE, DATA_LOSS). */
function isServerError(label) {
  return /HTTP 5\d\d/.test(label) || /^(grpc|grpc-web) (2|13|14|15)\b/.test(label);
}

const outcomes = new Outcomes();

// ---------------------------------------------------------------------------------------------
// Clients: REST and gRPC-web over node:http (keep-alive), gRPC over @grpc/grpc-js, raw sockets
// and a raw HTTP/2 session for what no client library sends.
// ---------------------------------------------------------------------------------------------

/** A request on `agent`; resolves with status, headers, body, or rejects with reset/timeout. */
function send(
  agent,
  base,
  method,
  path,
  { headers = {}, body, timeoutMs = REQUEST_TIMEOUT_MS } = {},
) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method, agent, headers });
    const timer = setTimeout(() => {
      const error = new Error('timeout');
      error.code = 'SOAK_TIMEOUT';
      req.destroy(error);
    }, timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.end(body);
  });
}

/** The label of a failed request: reset (the connection was cut under it), timeout, or other. */
function errorLabel(error) {
  if (error?.code === 'SOAK_TIMEOUT') return 'timeout';
  if (
    ['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(error?.code) ||
    /socket hang up/.test(error?.message)
  )
    return 'reset';
  return `error ${error?.code ?? error?.message}`;
}

function restLabel(res) {
  if (res.status === 200) return 'ok';
  let code = '?';
  try {
    code = JSON.parse(res.body.toString('utf8')).code;
  } catch {
    // not a Status: the label says so
  }
  return `HTTP ${res.status} code ${code}`;
}

function frame(payload, flag = 0) {
  const header = Buffer.alloc(5);
  header.writeUInt8(flag, 0);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** The grpc-status and message frames of a gRPC-web answer (binary or -text). */
function parseWeb(res, text) {
  if (res.status !== 200) return { label: `HTTP ${res.status}` };
  let body = res.body;
  if (text) body = Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
  const messages = [];
  let status;
  for (let at = 0; at + 5 <= body.length;) {
    const flag = body.readUInt8(at);
    const length = body.readUInt32BE(at + 1);
    const payload = body.subarray(at + 5, at + 5 + length);
    if (flag & 0x80) status = /grpc-status:\s*(\d+)/.exec(payload.toString('latin1'))?.[1];
    else messages.push(payload);
    at += 5 + length;
  }
  if (status === undefined) return { label: 'grpc-web no trailer' };
  return { label: status === '0' ? 'ok' : `grpc-web ${status}`, messages };
}

async function loadClients(service) {
  const grpc = await import('@grpc/grpc-js');
  const pb = await import(pathToFileURL(DIST_AUTH_PB).href);
  const client = new grpc.Client(
    `127.0.0.1:${service.grpcPort}`,
    grpc.credentials.createInsecure(),
    {
      'grpc.max_send_message_length': 8 * 1024 * 1024,
    },
  );
  await new Promise((resolve, reject) =>
    client.waitForReady(new Date(Date.now() + 10_000), (err) => (err ? reject(err) : resolve())),
  );
  const identity = (b) => b;
  /** A unary call with raw bytes: resolves with { label, bytes }. */
  const grpcRaw = (method, bytes, token, timeoutMs = REQUEST_TIMEOUT_MS) =>
    new Promise((resolve) => {
      const metadata = new grpc.Metadata();
      if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
      client.makeUnaryRequest(
        `/zitadel.auth.v1.AuthService/${method}`,
        identity,
        identity,
        bytes,
        metadata,
        { deadline: new Date(Date.now() + timeoutMs) },
        (err, value) => {
          if (err) resolve({ label: err.code === 4 ? 'timeout' : `grpc ${err.code}` });
          else resolve({ label: 'ok', bytes: value });
        },
      );
    });
  return { grpc, pb, client, grpcRaw };
}

// ---------------------------------------------------------------------------------------------
// The soak.
// ---------------------------------------------------------------------------------------------

async function main() {
  if (![DIST_MAIN, DIST_TOKEN, DIST_AUTH_PB].every(existsSync)) {
    fail('dist/ is missing or incomplete: run `npm run build` first', 2);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'profile-soak-'));
  const port = await freePort();
  let grpcPort = await freePort();
  for (let i = 0; i < 10 && grpcPort === port; i += 1) grpcPort = await freePort();
  const service = new Service({
    dataDir,
    port,
    grpcPort,
    databaseUrl: DATABASE_URL,
    logPath: join(dataDir, 'service.log'),
  });
  const database =
    DATABASE_URL === undefined ? 'embedded (PGlite)' : `PostgreSQL (${redact(DATABASE_URL)})`;
  const checks = [];
  let exitCode = 0;
  let clients;
  const agents = [];

  console.log('profile-service soak');
  console.log(
    `  node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; database: ${database}`,
  );
  console.log(
    `  ${SECONDS} s of load, ${CONCURRENCY} valid + ${HOSTILE_CONCURRENCY} hostile workers + a slow ` +
      `client and a dropper; warm-up ${WARMUP_MS / 1000} s; seed ${SEED}; DATA_DIR ${dataDir}`,
  );

  const cleanup = async () => {
    clients?.client.close();
    for (const a of agents) a.destroy();
    const stopped = await service.stop().catch(() => ({ ms: NaN, code: NaN }));
    service.log?.end();
    return stopped;
  };

  try {
    const readyMs = await service.start();
    console.log(
      `  ready in ${fmt(readyMs, 0)} ms (pid ${service.pid}, HTTP ${port}, gRPC ${grpcPort})`,
    );
    const base = service.httpBase;
    clients = await loadClients(service);
    const { pb, grpcRaw } = clients;

    // Tokens from the service's own CLI (same DATA_DIR, so the same development key).
    const run = Date.now().toString(36);
    const pool = Array.from(
      { length: SUBJECTS },
      (_, i) => `soak-${run}-s${String(i).padStart(2, '0')}`,
    );
    const slowSubject = `soak-${run}-slow`;
    const hostileSubject = `soak-${run}-hostile`;
    const tokens = new Map();
    const all = [...pool, slowSubject, hostileSubject];
    for (let i = 0; i < all.length; i += 2) {
      const batch = all.slice(i, i + 2);
      const minted = await Promise.all(batch.map((s) => service.mintToken(s)));
      batch.forEach((s, j) => tokens.set(s, minted[j]));
    }
    const hostileToken = tokens.get(hostileSubject);
    // A signature made for another subject: well formed, and invalid.
    const [h, p] = tokens.get(pool[0]).split('.');
    const tampered = `${h}.${p}.${tokens.get(pool[1]).split('.')[2]}`;
    console.log(`  minted ${tokens.size} tokens`);

    const restAgent = new Agent({
      keepAlive: true,
      maxSockets: CONCURRENCY + HOSTILE_CONCURRENCY,
      timeout: 4000,
    });
    const lagAgent = new Agent({ keepAlive: true, maxSockets: 1, timeout: 4000 });
    agents.push(restAgent, lagAgent);

    // Every successful update of the pool: subject -> [{ sequence, firstName }].
    const accepted = new Map([...pool, slowSubject].map((s) => [s, []]));
    /** Updates whose outcome is unknown (reset or timed out): they may have been committed. */
    const unknown = new Map([...pool, slowSubject].map((s) => [s, 0]));
    let counter = 0;
    const profile = (subject) => {
      counter += 1;
      return {
        firstName: `soak ${counter}`,
        lastName: 'Soak',
        nickName: subject.slice(-3),
        displayName: `Soak ${counter} ${subject.slice(-3)}`,
        preferredLanguage: pick(['en', 'de-CH', 'fr', '']),
        gender: pick([0, 1, 2, 3]),
      };
    };
    const GENDER = ['GENDER_UNSPECIFIED', 'GENDER_FEMALE', 'GENDER_MALE', 'GENDER_DIVERSE'];
    const updateBytes = (values) =>
      Buffer.from(
        toBinary(pb.UpdateMyProfileRequestSchema, create(pb.UpdateMyProfileRequestSchema, values)),
      );
    const emptyGet = Buffer.from(
      toBinary(pb.GetMyProfileRequestSchema, create(pb.GetMyProfileRequestSchema)),
    );
    const listBytes = (limit) =>
      Buffer.from(
        toBinary(
          pb.ListMyUserChangesRequestSchema,
          create(pb.ListMyUserChangesRequestSchema, { query: { limit } }),
        ),
      );
    const auth = (token) => (token === undefined ? {} : { authorization: `Bearer ${token}` });
    const webHeaders = (text, token) => ({
      'content-type': text ? 'application/grpc-web-text' : 'application/grpc-web+proto',
      'x-grpc-web': '1',
      ...auth(token),
    });
    const web = async (method, message, token, text = random() < 0.3, body) => {
      const framed = body ?? frame(message);
      const res = await send(restAgent, base, 'POST', `/zitadel.auth.v1.AuthService/${method}`, {
        headers: webHeaders(text, token),
        body: text ? framed.toString('base64') : framed,
      });
      return parseWeb(res, text);
    };
    const sequenceOfUpdate = (label, bytesOrJson) => {
      if (label !== 'ok') return undefined;
      if (Buffer.isBuffer(bytesOrJson)) {
        return Number(
          fromBinary(pb.UpdateMyProfileResponseSchema, bytesOrJson).details?.sequence ?? 0n,
        );
      }
      return Number(bytesOrJson.details.sequence);
    };

    /** Runs `fn`, records its outcome; a thrown error is a reset, a timeout or another error. */
    const attempt = async (kind, valid, fn, expectedLabels) => {
      const t0 = performance.now();
      let label;
      try {
        label = await fn();
      } catch (error) {
        label = errorLabel(error);
      }
      const ms = performance.now() - t0;
      const expected = valid
        ? label === 'ok'
        : expectedLabels.some((e) => (e instanceof RegExp ? e.test(label) : e === label));
      outcomes.record(kind, valid, label, expected, ms);
      return label;
    };

    // ---- valid traffic ----
    const validOps = [
      [3, 'rest.put'],
      [2, 'rest.get'],
      [3, 'grpc.update'],
      [2, 'grpc.get'],
      [2, 'grpc-web.update'],
      [1, 'grpc-web.get'],
      [1, 'rest.list'],
      [1, 'grpc.list'],
      [1, 'grpc-web.list'],
    ];
    const validOp = async (kind) => {
      const subject = pick(pool);
      const token = tokens.get(subject);
      const isUpdate = kind.endsWith('.put') || kind.endsWith('.update');
      const values = isUpdate ? profile(subject) : undefined;
      let sequence;
      const label = await attempt(kind, true, async () => {
        switch (kind) {
          case 'rest.put': {
            const res = await send(restAgent, base, 'PUT', '/auth/v1/users/me/profile', {
              headers: { ...auth(token), 'content-type': 'application/json' },
              body: JSON.stringify({ ...values, gender: GENDER[values.gender] }),
            });
            const l = restLabel(res);
            sequence = sequenceOfUpdate(
              l,
              l === 'ok' ? JSON.parse(res.body.toString('utf8')) : undefined,
            );
            return l;
          }
          case 'rest.get':
            return restLabel(
              await send(restAgent, base, 'GET', '/users/me/profile', { headers: auth(token) }),
            );
          case 'rest.list':
            return restLabel(
              await send(restAgent, base, 'POST', '/auth/v1/users/me/changes/_search', {
                headers: { ...auth(token), 'content-type': 'application/json' },
                body: '{"query":{"limit":20}}',
              }),
            );
          case 'grpc.update': {
            const r = await grpcRaw('UpdateMyProfile', updateBytes(values), token);
            sequence = sequenceOfUpdate(r.label, r.bytes);
            return r.label;
          }
          case 'grpc.get':
            return (await grpcRaw('GetMyProfile', emptyGet, token)).label;
          case 'grpc.list':
            return (await grpcRaw('ListMyUserChanges', listBytes(20), token)).label;
          case 'grpc-web.update': {
            const r = await web('UpdateMyProfile', updateBytes(values), token);
            if (r.label === 'ok') sequence = sequenceOfUpdate('ok', r.messages[0]);
            return r.label;
          }
          case 'grpc-web.get':
            return (await web('GetMyProfile', emptyGet, token)).label;
          case 'grpc-web.list':
            return (await web('ListMyUserChanges', listBytes(20), token)).label;
          default:
            throw new Error(`no op ${kind}`);
        }
      });
      if (isUpdate) {
        if (label === 'ok') accepted.get(subject).push({ sequence, firstName: values.firstName });
        else if (label === 'reset' || label === 'timeout')
          unknown.set(subject, unknown.get(subject) + 1);
      }
    };

    // ---- hostile traffic (on its own subject, so that the pool's accounting stays exact) ----
    const badToken = () => pick(['not.a.jwt', tampered, `${hostileToken}x`, 'Bearer', '']);
    const hostileOps = [
      [3, 'bad-token'],
      [2, 'rest.too-large'],
      [2, 'rest.malformed-json'],
      [2, 'grpc.garbage'],
      [2, 'grpc-web.garbage'],
      [0.1, 'grpc.too-large'],
      [0.1, 'grpc-web.too-large'],
      [2, 'drop.rest'],
      [1, 'drop.grpc-web'],
      [1, 'drop.grpc'],
      [1, 'drop.after-send'],
    ];
    let h2 = null;
    const hostileSession = () => {
      if (h2 === null || h2.destroyed || h2.closed) {
        h2 = h2connect(`http://127.0.0.1:${grpcPort}`);
        h2.on('error', () => undefined);
      }
      return h2;
    };
    /** Writes `bytes` on a fresh socket and cuts the connection before the request is complete. */
    const dropRaw = (bytes, cutAfterMs) =>
      new Promise((resolve, reject) => {
        const socket = netConnect(port, '127.0.0.1');
        const timer = setTimeout(() => {
          socket.destroy();
          reject(Object.assign(new Error('timeout'), { code: 'SOAK_TIMEOUT' }));
        }, REQUEST_TIMEOUT_MS);
        socket.on('error', () => undefined);
        socket.once('connect', () => {
          socket.write(bytes);
          setTimeout(() => {
            // resetAndDestroy (Node 16.17+) sends an RST: a client that vanishes mid-request.
            if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
            else socket.destroy();
            clearTimeout(timer);
            resolve('dropped');
          }, cutAfterMs);
        });
      });
    const hostileOp = async (kind) => {
      switch (kind) {
        case 'bad-token': {
          const transport = pick(['rest', 'grpc', 'grpc-web']);
          const token = badToken();
          await attempt(
            `bad-token.${transport}`,
            false,
            async () => {
              if (transport === 'rest') {
                return restLabel(
                  await send(restAgent, base, 'GET', '/auth/v1/users/me/profile', {
                    headers: token === '' ? {} : { authorization: `Bearer ${token}` },
                  }),
                );
              }
              if (transport === 'grpc')
                return (await grpcRaw('GetMyProfile', emptyGet, token || undefined)).label;
              return (await web('GetMyProfile', emptyGet, token || undefined)).label;
            },
            ['HTTP 401 code 16', 'grpc 16', 'grpc-web 16'],
          );
          return;
        }
        case 'rest.too-large': {
          // Over the 64 KiB limit, under the 1 MiB the server drains: 400, the connection lives.
          const size = 65 * 1024 + Math.floor(random() * 900 * 1024);
          await attempt(
            kind,
            false,
            async () =>
              restLabel(
                await send(restAgent, base, 'PUT', '/auth/v1/users/me/profile', {
                  headers: { ...auth(hostileToken), 'content-type': 'application/json' },
                  body: Buffer.alloc(size, 0x20),
                }),
              ),
            ['HTTP 400 code 3'],
          );
          return;
        }
        case 'rest.malformed-json': {
          const body = pick([
            '{"firstName":',
            '{"firstName":"a",}',
            'null',
            '[]',
            '{"gender":true}',
            randomBytes(64),
          ]);
          await attempt(
            kind,
            false,
            async () =>
              restLabel(
                await send(restAgent, base, 'PUT', '/users/me/profile', {
                  headers: { ...auth(hostileToken), 'content-type': 'application/json' },
                  body,
                }),
              ),
            ['HTTP 400 code 3'],
          );
          return;
        }
        case 'grpc.garbage':
          await attempt(
            kind,
            false,
            async () =>
              (
                await grpcRaw(
                  pick(['UpdateMyProfile', 'GetMyProfile', 'ListMyUserChanges']),
                  randomBytes(Math.floor(random() * 200)),
                  hostileToken,
                )
              ).label,
            ['ok', 'grpc 3', 'grpc 9'],
          );
          return;
        case 'grpc-web.garbage': {
          const bodies = [
            () => randomBytes(Math.floor(random() * 100)),
            () => frame(randomBytes(40), pick([0, 1, 0x80, 2])),
            () => Buffer.concat([frame(emptyGet), frame(emptyGet)]),
            () => Buffer.alloc(0),
            () => frame(randomBytes(30)).subarray(0, 12),
          ];
          await attempt(
            kind,
            false,
            async () =>
              (
                await web(
                  pick(['UpdateMyProfile', 'GetMyProfile', 'ListMyUserChanges']),
                  null,
                  hostileToken,
                  random() < 0.3,
                  pick(bodies)(),
                )
              ).label,
            ['ok', 'grpc-web 3', 'grpc-web 9', 'grpc-web 12'],
          );
          return;
        }
        case 'grpc.too-large':
          await attempt(
            kind,
            false,
            async () =>
              (await grpcRaw('UpdateMyProfile', Buffer.alloc(5 * 1024 * 1024, 0x0a), hostileToken))
                .label,
            ['grpc 8'],
          );
          return;
        case 'grpc-web.too-large':
          await attempt(
            kind,
            false,
            async () =>
              (
                await web(
                  'UpdateMyProfile',
                  null,
                  hostileToken,
                  false,
                  frame(Buffer.alloc(4 * 1024 * 1024 + 512 * 1024, 0x0a)),
                )
              ).label,
            ['grpc-web 8'],
          );
          return;
        case 'drop.rest': {
          const head = `PUT /auth/v1/users/me/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hostileToken}\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"firstName":"cut`;
          await attempt(kind, false, () => dropRaw(Buffer.from(head), Math.floor(random() * 50)), [
            'dropped',
          ]);
          return;
        }
        case 'drop.grpc-web': {
          const body = frame(updateBytes(profile(hostileSubject)));
          const head = `POST /zitadel.auth.v1.AuthService/UpdateMyProfile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hostileToken}\r\nContent-Type: application/grpc-web+proto\r\nContent-Length: ${body.length}\r\n\r\n`;
          await attempt(
            kind,
            false,
            () =>
              dropRaw(
                Buffer.concat([Buffer.from(head), body.subarray(0, 8)]),
                Math.floor(random() * 50),
              ),
            ['dropped'],
          );
          return;
        }
        case 'drop.after-send': {
          // A complete request, and the client gone before the answer.
          const head = `GET /auth/v1/users/me/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hostileToken}\r\n\r\n`;
          await attempt(kind, false, () => dropRaw(Buffer.from(head), 0), ['dropped']);
          return;
        }
        case 'drop.grpc':
          await attempt(
            kind,
            false,
            () =>
              new Promise((resolve) => {
                // Half a message, then the stream (or, sometimes, the whole connection) is cut.
                const session = hostileSession();
                const stream = session.request({
                  ':method': 'POST',
                  ':path': '/zitadel.auth.v1.AuthService/UpdateMyProfile',
                  'content-type': 'application/grpc',
                  te: 'trailers',
                  ...auth(hostileToken),
                });
                stream.on('error', () => undefined);
                stream.write(frame(updateBytes(profile(hostileSubject))).subarray(0, 9));
                setTimeout(
                  () => {
                    if (random() < 0.2) session.destroy();
                    else stream.close(h2constants.NGHTTP2_CANCEL);
                    resolve('dropped');
                  },
                  Math.floor(random() * 50),
                );
              }),
            ['dropped'],
          );
          return;
        default:
          throw new Error(`no op ${kind}`);
      }
    };

    // ---- slow clients: one at a time, each bounded ----
    const slowOp = async () => {
      if (random() < 0.5) {
        // Headers that never end: the server's headers timeout answers 408 and closes.
        await attempt(
          'slow.headers',
          false,
          () =>
            new Promise((resolve, reject) => {
              const socket = netConnect(port, '127.0.0.1');
              let data = '';
              const timer = setTimeout(() => {
                socket.destroy();
                reject(Object.assign(new Error('timeout'), { code: 'SOAK_TIMEOUT' }));
              }, SLOW_TIMEOUT_MS);
              socket.on('data', (c) => (data += c.toString('latin1')));
              socket.on('error', () => undefined);
              socket.on('close', () => {
                clearTimeout(timer);
                const status = /^HTTP\/1\.1 (\d{3})/.exec(data)?.[1];
                resolve(status === undefined ? 'closed without an answer' : `HTTP ${status}`);
              });
              socket.once('connect', () =>
                socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: `),
              );
            }),
          ['HTTP 408'],
        );
        return;
      }
      // A valid update whose body trickles in over ~3 s: answered when it is complete.
      const values = profile(slowSubject);
      const json = JSON.stringify({ ...values, gender: GENDER[values.gender] });
      const slowToken = tokens.get(slowSubject);
      let sequence;
      const label = await attempt(
        'slow.body',
        true,
        () =>
          new Promise((resolve, reject) => {
            const socket = netConnect(port, '127.0.0.1');
            let data = '';
            const timer = setTimeout(() => {
              socket.destroy();
              reject(Object.assign(new Error('timeout'), { code: 'SOAK_TIMEOUT' }));
            }, SLOW_TIMEOUT_MS);
            socket.on('data', (c) => {
              data += c.toString('utf8');
              const split = data.indexOf('\r\n\r\n');
              const length = /content-length: (\d+)/i.exec(data)?.[1];
              if (
                split >= 0 &&
                length !== undefined &&
                Buffer.byteLength(data.slice(split + 4)) >= Number(length)
              ) {
                clearTimeout(timer);
                socket.end();
                const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
                const body = data.slice(split + 4);
                if (status === 200) sequence = Number(JSON.parse(body).details.sequence);
                resolve(status === 200 ? 'ok' : `HTTP ${status} code ${JSON.parse(body).code}`);
              }
            });
            socket.on('error', (error) => {
              clearTimeout(timer);
              reject(error);
            });
            socket.once('connect', async () => {
              socket.write(
                `PUT /auth/v1/users/me/profile HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${slowToken}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n`,
              );
              const bytes = Buffer.from(json);
              const step = Math.ceil(bytes.length / 30);
              for (let i = 0; i < bytes.length && !socket.destroyed; i += step) {
                socket.write(bytes.subarray(i, i + step));
                await sleep(100);
              }
            });
          }),
      );
      if (label === 'ok') accepted.get(slowSubject).push({ sequence, firstName: values.firstName });
      else if (label === 'reset' || label === 'timeout')
        unknown.set(slowSubject, unknown.get(slowSubject) + 1);
    };

    // Every subject gets its profile (sequence 1) first, so that reads find one.
    for (const subject of [...pool, slowSubject, hostileSubject]) {
      const values = profile(subject);
      const res = await send(restAgent, base, 'PUT', '/auth/v1/users/me/profile', {
        headers: { ...auth(tokens.get(subject)), 'content-type': 'application/json' },
        body: JSON.stringify({ ...values, gender: GENDER[values.gender] }),
      });
      const sequence =
        res.status === 200 ? Number(JSON.parse(res.body.toString('utf8')).details.sequence) : NaN;
      if (sequence !== 1)
        throw new Error(`first update of ${subject}: HTTP ${res.status}, sequence ${sequence}`);
      accepted.get(subject)?.push({ sequence, firstName: values.firstName });
    }

    // ---- monitors: RSS and event-loop lag, once a second ----
    const memStart = service.memory();
    const samples = [];
    let metricsAvailable;
    {
      const res = await send(lagAgent, base, 'GET', '/metrics').catch(() => undefined);
      metricsAvailable =
        res?.status === 200 && /nodejs_eventloop_lag/.test(res.body.toString('utf8'));
    }
    const t0 = performance.now();
    const deadline = t0 + SECONDS * 1000;
    const monitor = (async () => {
      while (performance.now() < deadline) {
        const started = performance.now();
        const sample = { t: (started - t0) / 1000, ...service.memory() };
        try {
          const res = await send(lagAgent, base, 'GET', '/healthz', { timeoutMs: 5000 });
          sample.healthzMs = performance.now() - started;
          if (res.status !== 200) sample.healthzError = `HTTP ${res.status}`;
        } catch (error) {
          sample.healthzError = errorLabel(error);
        }
        if (metricsAvailable) {
          try {
            const res = await send(lagAgent, base, 'GET', '/metrics', { timeoutMs: 5000 });
            const text = res.body.toString('utf8');
            const value = (name) =>
              Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text)?.[1]);
            sample.lagS = value('nodejs_eventloop_lag_seconds');
            sample.lagP99S = value('nodejs_eventloop_lag_p99_seconds');
          } catch {
            // a missed sample
          }
        }
        samples.push(sample);
        const elapsed = performance.now() - started;
        await sleep(Math.max(0, 1000 - elapsed));
      }
    })();

    // ---- workers ----
    const loop = async (body) => {
      while (performance.now() < deadline) {
        service.assertAlive();
        await body();
      }
    };
    const progress = setInterval(() => {
      const s = samples.at(-1);
      process.stdout.write(
        `  ${fmt((performance.now() - t0) / 1000, 0)} s: ${outcomes.total} requests, ` +
          `${outcomes.failures.length} failures, RSS ${fmt(s?.rssMiB)} MiB, /healthz ${fmt(s?.healthzMs)} ms\n`,
      );
    }, 15_000);
    await Promise.all([
      monitor,
      ...Array.from({ length: CONCURRENCY }, () => loop(() => validOp(weighted(validOps)))),
      ...Array.from({ length: HOSTILE_CONCURRENCY }, () =>
        loop(() => hostileOp(weighted(hostileOps))),
      ),
      loop(slowOp),
    ]);
    clearInterval(progress);
    h2?.destroy();
    const loadMs = performance.now() - t0;
    const memEnd = service.memory();

    // ---- checks: nothing lost ----
    let sequencesChecked = 0;
    let updatesChecked = 0;
    const lost = [];
    for (const subject of [...pool, slowSubject]) {
      const token = tokens.get(subject);
      const answered = accepted.get(subject);
      const seqs = answered.map((a) => a.sequence).sort((a, b) => a - b);
      const n = seqs.length;
      // The history, oldest first, a page of up to 1000 at a time.
      const history = [];
      for (let after = 0, page = 0; page < 1000; page += 1) {
        const res = await send(restAgent, base, 'POST', '/auth/v1/users/me/changes/_search', {
          headers: { ...auth(token), 'content-type': 'application/json' },
          body: JSON.stringify({ query: { sequence: String(after), limit: 1000, asc: true } }),
        });
        const result = JSON.parse(res.body.toString('utf8')).result ?? [];
        history.push(...result.map((c) => Number(c.sequence)));
        if (result.length < 1000) break;
        after = history.at(-1);
      }
      const get = JSON.parse(
        (
          await send(restAgent, base, 'GET', '/auth/v1/users/me/profile', { headers: auth(token) })
        ).body.toString('utf8'),
      );
      const viaGrpc = await grpcRaw('GetMyProfile', emptyGet, token);
      const grpcSeq =
        viaGrpc.label === 'ok'
          ? Number(fromBinary(pb.GetMyProfileResponseSchema, viaGrpc.bytes).details?.sequence ?? 0n)
          : NaN;
      // No profile (404) is sequence 0.
      const finalSeq = Number(get.details?.sequence ?? 0);
      const maybe = unknown.get(subject);
      const contiguous = (list, upTo) => list.length === upTo && list.every((s, i) => s === i + 1);
      const last = answered.find((a) => a.sequence === seqs.at(-1));
      const problems = [];
      if (maybe === 0) {
        if (!contiguous(seqs, n))
          problems.push(`answered sequences are not 1..${n} (duplicates or gaps)`);
        if (finalSeq !== n) problems.push(`final sequence ${finalSeq}, ${n} successful updates`);
        if (n > 0 && grpcSeq !== n) problems.push(`gRPC reads sequence ${grpcSeq}`);
        if (!contiguous(history, n))
          problems.push(`history has ${history.length} events, not 1..${n}`);
        if (n > 0 && get.profile?.firstName !== last?.firstName)
          problems.push(`stored "${get.profile?.firstName}", last committed "${last?.firstName}"`);
      } else {
        // Some updates ended without an answer: each may or may not have been committed.
        if (new Set(seqs).size !== n) problems.push('duplicate sequences answered');
        if (
          !contiguous(history, history.length) ||
          history.length < n ||
          history.length > n + maybe
        )
          problems.push(`history of ${history.length} events for ${n} answered + ${maybe} unknown`);
      }
      sequencesChecked += 1;
      updatesChecked += n;
      if (problems.length > 0) lost.push(`${subject}: ${problems.join('; ')}`);
    }
    checks.push({
      name: 'no update lost: per subject, answered sequences = history = 1..n, stored = last',
      ok: lost.length === 0,
      detail:
        lost.length === 0
          ? `${sequencesChecked} subjects, ${updatesChecked} updates`
          : lost.slice(0, 5).join(' | '),
    });

    const failures = outcomes.failures;
    checks.push({
      name: 'no 5xx / gRPC 2, 13, 14, 15; every valid request ok; hostile ones as expected',
      ok: failures.length === 0,
      detail:
        failures.length === 0 ? `${outcomes.total} requests` : failures.slice(0, 5).join(' | '),
    });

    const healthErrors = samples.filter((s) => s.healthzError !== undefined);
    checks.push({
      name: '/healthz answered every second',
      ok: healthErrors.length === 0,
      detail:
        healthErrors.length === 0
          ? `${samples.length} samples`
          : `${healthErrors.length} failed: ${healthErrors[0].healthzError}`,
    });

    // RSS: the median of 10 samples after the warm-up against the median of the last 10.
    const after = samples.filter((s) => s.t * 1000 >= WARMUP_MS);
    const warmRss = median(after.slice(0, 10).map((s) => s.rssMiB));
    const endRss = median(samples.slice(-10).map((s) => s.rssMiB));
    const peakRss = Math.max(memEnd.hwmMiB, ...samples.map((s) => s.rssMiB));
    const growth = endRss - warmRss;
    checks.push({
      name: `RSS growth after the warm-up within ${RSS_GROWTH_LIMIT_MIB} MiB`,
      ok: Number.isFinite(growth) && growth <= RSS_GROWTH_LIMIT_MIB,
      detail: `${fmt(warmRss)} → ${fmt(endRss)} MiB (${growth >= 0 ? '+' : ''}${fmt(growth)})`,
    });

    const stopped = await cleanup();
    const logSummary = summariseLog(service.logPath);
    checks.push({
      name: 'SIGTERM: the service exits with code 0',
      ok: stopped.code === 0,
      detail: `code ${stopped.code} after ${fmt(stopped.ms, 0)} ms`,
    });

    // ---- report ----
    const lat = (list) => {
      const sorted = Float64Array.from(list).sort();
      return [
        fmt(percentile(sorted, 0.5)),
        fmt(percentile(sorted, 0.99)),
        fmt(sorted.at(-1) ?? NaN),
      ];
    };
    const kinds = [...outcomes.kinds.entries()].sort(
      ([a, x], [b, y]) => Number(y.valid) - Number(x.valid) || a.localeCompare(b),
    );
    console.log(
      `\nRequests (${database}; ${fmt(loadMs / 1000, 0)} s; ${outcomes.total} requests, ${fmt((outcomes.total / loadMs) * 1000, 0)} req/s)\n`,
    );
    console.log(
      table(
        ['kind', 'valid', 'requests', 'ok', 'unexpected', 'p50 ms', 'p99 ms', 'max ms'],
        kinds.map(([name, k]) => [
          name,
          k.valid ? 'yes' : 'hostile',
          k.count,
          k.ok,
          k.unexpected,
          ...(k.valid ? lat(k.latencies) : ['', '', '']),
        ]),
      ),
    );
    const byLabel = new Map();
    for (const [name, k] of kinds) {
      for (const [label, n] of k.outcomes) {
        if (label === 'ok') continue;
        const key = `${label}`;
        const entry = byLabel.get(key) ?? { n: 0, kinds: new Set() };
        entry.n += n;
        entry.kinds.add(name);
        byLabel.set(key, entry);
      }
    }
    console.log(
      '\nOutcomes other than ok (expected for hostile kinds unless counted as unexpected above)\n',
    );
    console.log(
      table(
        ['outcome', 'count', 'kinds'],
        [...byLabel.entries()]
          .sort((a, b) => b[1].n - a[1].n)
          .map(([label, e]) => [label, e.n, [...e.kinds].join(', ')]),
      ),
    );
    const resets = [...byLabel.entries()]
      .filter(([l]) => l === 'reset')
      .reduce((s, [, e]) => s + e.n, 0);
    const timeouts = [...byLabel.entries()]
      .filter(([l]) => l === 'timeout')
      .reduce((s, [, e]) => s + e.n, 0);
    const healthz = Float64Array.from(
      samples.filter((s) => s.healthzMs !== undefined).map((s) => s.healthzMs),
    ).sort();
    const lags = samples.map((s) => s.lagS).filter(Number.isFinite);
    console.log('\nService process\n');
    console.log(
      table(
        ['figure', 'value'],
        [
          ['RSS at start (ready, before load)', `${fmt(memStart.rssMiB)} MiB`],
          [
            `RSS after the warm-up (median of 10 s from ${WARMUP_MS / 1000} s)`,
            `${fmt(warmRss)} MiB`,
          ],
          ['RSS at the end (median of the last 10 s)', `${fmt(endRss)} MiB`],
          ['peak RSS (VmHWM)', `${fmt(peakRss)} MiB`],
          [
            '/healthz latency p50 / p99 / max (1 sample a second)',
            `${fmt(percentile(healthz, 0.5), 2)} / ${fmt(percentile(healthz, 0.99), 2)} / ${fmt(healthz.at(-1) ?? NaN, 2)} ms`,
          ],
          [
            'event-loop lag from /metrics (mean / max)',
            lags.length === 0
              ? 'no /metrics gauge'
              : `${fmt((lags.reduce((a, b) => a + b, 0) / lags.length) * 1000, 2)} / ${fmt(Math.max(...lags) * 1000, 2)} ms`,
          ],
          ['resets / timeouts (all kinds)', `${resets} / ${timeouts}`],
          ['sequences checked', `${sequencesChecked} subjects, ${updatesChecked} updates`],
          ['shutdown (SIGTERM → exit)', `${fmt(stopped.ms, 0)} ms, code ${stopped.code}`],
        ],
      ),
    );
    if (logSummary.length > 0) {
      console.log('\nService log: warnings and errors by message\n');
      console.log(
        table(
          ['message', 'level', 'count'],
          logSummary.map(([l, m, n]) => [m, l, n]),
        ),
      );
    }
    console.log('');
    console.log(
      table(
        ['check', 'result', 'detail'],
        checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail]),
      ),
    );
    if (checks.some((c) => !c.ok)) {
      exitCode = 1;
      if (failures.length > 0)
        console.error(
          `\nunexpected outcomes (first ${failures.length}):\n  ${failures.join('\n  ')}`,
        );
      console.error(`--- service log (last lines) ---\n${service.logTail()}`);
    }

    if (process.env.SOAK_JSON) {
      writeFileSync(
        process.env.SOAK_JSON,
        JSON.stringify(
          {
            node: process.version,
            cpus: availableParallelism(),
            database,
            seconds: SECONDS,
            seed: SEED,
            requests: outcomes.total,
            kinds: Object.fromEntries(
              kinds.map(([name, k]) => [
                name,
                {
                  valid: k.valid,
                  count: k.count,
                  ok: k.ok,
                  unexpected: k.unexpected,
                  outcomes: Object.fromEntries(k.outcomes),
                },
              ]),
            ),
            memory: {
              startMiB: memStart.rssMiB,
              warmMiB: warmRss,
              endMiB: endRss,
              peakMiB: peakRss,
            },
            healthzMs: {
              p50: percentile(healthz, 0.5),
              p99: percentile(healthz, 0.99),
              max: healthz.at(-1),
            },
            samples,
            serviceLog: logSummary,
            checks,
          },
          null,
          2,
        ),
      );
    }
  } catch (error) {
    exitCode = 1;
    console.error(`\nsoak: ${error instanceof Error ? error.stack : String(error)}`);
    await cleanup();
    console.error(`--- service log (last lines) ---\n${service.logTail()}`);
  }

  if (KEEP) console.log(`\nkept ${dataDir} (service log: ${service.logPath})`);
  else rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  console.log(exitCode === 0 ? '\nsoak: every check held' : '\nsoak: FAILED');
  process.exit(exitCode);
}

main().catch((error) => fail(error instanceof Error ? error.stack : String(error)));
