#!/usr/bin/env node
// Load benchmark of profile-service: starts the BUILT service (dist/) as a child process in
// development mode, mints tokens with its own CLI, and measures REST, gRPC and gRPC-web latency
// and throughput, the service's memory, and its start-up time (first start on an empty DATA_DIR,
// then a restart on it). See docs/performance.md.
//
//   npm run build && npm run bench                       # embedded database (PGlite)
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/profile_bench npm run bench
//
// Settings (environment):
//   BENCH_DATABASE_URL   PostgreSQL to use (falls back to DATABASE_URL); unset: embedded database
//   BENCH_REQUESTS       measured requests per phase (default 1000); warm-up is 10% (min 20)
//   BENCH_PHASE_SECONDS  time cap of one phase's measured part (default 20); a phase that hits it
//                        stops early and is marked "time cap" (its figures are still valid)
//   BENCH_JSON           write the results as JSON to this path as well
//   BENCH_KEEP           1: keep the temporary DATA_DIR and the service log
//
// Everything is bounded: every loop by a request count and a deadline, every request by a
// timeout. Exit code 0 when every request succeeded and every check held; 1 otherwise (or if the
// service dies); 2 when dist/ is missing.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { authServiceClient, profileFields } from './lib/instance.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST_MAIN = join(ROOT, 'dist', 'main.js');
const DIST_TOKEN = join(ROOT, 'dist', 'cli', 'token.js');
const DIST_AUTH_PB = join(ROOT, 'dist', 'gen', 'zitadel', 'auth_pb.js');

const REQUESTS = positiveInt('BENCH_REQUESTS', 1000);
const WARMUP = Math.max(20, Math.round(REQUESTS / 10));
const PHASE_MS = positiveInt('BENCH_PHASE_SECONDS', 20) * 1000;
const DATABASE_URL = nonEmpty(process.env.BENCH_DATABASE_URL) ?? nonEmpty(process.env.DATABASE_URL);
const KEEP = process.env.BENCH_KEEP === '1';
const REQUEST_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;
const CONCURRENCY = 16;
const HOT_CONCURRENCY = 8;
const CLK_TCK = clockTicks();
// The start-up targets of issue 8, printed beside the figures (they do not change the exit code:
// a loaded machine misses them without the service being wrong). Memory in MiB, as measured.
const STARTUP_TARGETS = {
  first: { ms: 3000, rssMiB: 300, hwmMiB: 400, pgMs: 1500 },
  restart: { ms: 1500, rssMiB: 300, hwmMiB: 400, pgMs: 1500 },
};

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
  console.error(`bench: ${message}`);
  process.exit(code);
}

function clockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** A port that was free a moment ago (bound to 0 on loopback, then released). */
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

/** User + system CPU time of a process in ms, from /proc/<pid>/stat (Linux only). */
function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command name start at field 3 (state); utime is 14, stime 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

function clientCpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

// ---------------------------------------------------------------------------------------------
// The service under test.
// ---------------------------------------------------------------------------------------------

class Service {
  constructor({ dataDir, port, grpcPort, databaseUrl, logPath }) {
    Object.assign(this, { dataDir, port, grpcPort, databaseUrl, logPath });
    this.exited = undefined;
    this.stopping = false;
  }

  /** The environment of the service and of the token CLI: development mode, our ports and dirs. */
  env() {
    const env = { ...process.env };
    for (const key of Object.keys(env)) {
      if (key.startsWith('AUTH_') || key.startsWith('BENCH_')) delete env[key];
    }
    delete env.DATABASE_URL;
    delete env.DEFAULT_RESOURCE_OWNER;
    env.NODE_ENV = 'development';
    env.PORT = String(this.port);
    env.GRPC_PORT = String(this.grpcPort);
    env.DATA_DIR = this.dataDir;
    if (this.databaseUrl !== undefined) env.DATABASE_URL = this.databaseUrl;
    return env;
  }

  /** Spawns `node dist/main.js` and polls /readyz; resolves with the time to ready in ms. */
  async start() {
    this.log ??= createWriteStream(this.logPath, { flags: 'a' });
    this.exited = undefined;
    this.stopping = false;
    const started = performance.now();
    const child = spawn(process.execPath, [DIST_MAIN], {
      cwd: ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.exited = { code, signal };
      if (!this.stopping)
        console.error(`\nbench: the service exited unexpectedly (code ${code}, signal ${signal})`);
    });
    this.pid = child.pid;
    const deadline = started + READY_TIMEOUT_MS;
    for (let attempt = 0; attempt < 10_000 && performance.now() < deadline; attempt += 1) {
      this.assertAlive();
      try {
        const res = await fetch(`${this.httpBase}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(25);
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

  cpuMs() {
    return cpuMsOf(this.pid);
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves with the shutdown time in ms. */
  async stop() {
    if (this.child === undefined || this.exited !== undefined) return NaN;
    this.stopping = true;
    const started = performance.now();
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    return performance.now() - started;
  }

  logTail(lines = 30) {
    try {
      return readFileSync(this.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Mints a token for a subject with `node dist/cli/token.js`, sharing the service's DATA_DIR. */
  async mintToken(subject) {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [DIST_TOKEN, subject, '--ttl', '3600'],
      { cwd: ROOT, env: this.env(), timeout: 30_000 },
    );
    const token = stdout.trim();
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token))
      throw new Error(`token.js printed no token for ${subject}`);
    return token;
  }
}

// ---------------------------------------------------------------------------------------------
// Clients: REST (global fetch = undici, keep-alive by default) and gRPC (@grpc/grpc-js).
// ---------------------------------------------------------------------------------------------

class RequestError extends Error {}

const profileBody = profileFields;

function rest(service) {
  const url = `${service.httpBase}/auth/v1/users/me/profile`;
  const call = async (init) => {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await res.text();
    if (res.status !== 200) throw new RequestError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  };
  return {
    get: (token) => call({ headers: { authorization: `Bearer ${token}` } }),
    put: (token, body) =>
      call({
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    healthz: async () => {
      const res = await fetch(`${service.httpBase}/healthz`, {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status !== 200) throw new RequestError(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      return text;
    },
  };
}

async function grpcClient(service) {
  const { grpc, AuthService } = await authServiceClient();
  const client = new AuthService(
    `127.0.0.1:${service.grpcPort}`,
    grpc.credentials.createInsecure(),
  );
  await new Promise((resolve, reject) =>
    client.waitForReady(new Date(Date.now() + 10_000), (err) => (err ? reject(err) : resolve())),
  );
  const unary = (method, token, request) =>
    new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      client[method](
        request,
        metadata,
        { deadline: new Date(Date.now() + REQUEST_TIMEOUT_MS) },
        (err, res) =>
          err ? reject(new RequestError(`gRPC ${err.code}: ${err.details}`)) : resolve(res),
      );
    });
  return {
    get: (token) => unary('getMyProfile', token, {}),
    put: (token, body) => unary('updateMyProfile', token, { ...body, gender: 'GENDER_DIVERSE' }),
    close: () => client.close(),
  };
}

/**
 * gRPC-web (binary, `application/grpc-web+proto`) over HTTP/1.1 keep-alive to the HTTP port, with
 * the service's own protobuf-es messages (dist/gen). A call succeeds when the answer is HTTP 200,
 * one message frame and a last trailer frame (flag 0x80) with `grpc-status: 0`.
 */
async function grpcWebClient(service) {
  const { create, fromBinary, toBinary } = await import('@bufbuild/protobuf');
  const { UpdateMyProfileRequestSchema, UpdateMyProfileResponseSchema } = await import(
    pathToFileURL(DIST_AUTH_PB).href
  );
  const url = `${service.httpBase}/zitadel.auth.v1.AuthService/UpdateMyProfile`;
  const GENDER_DIVERSE = 3;
  const put = async (token, body) => {
    const message = toBinary(
      UpdateMyProfileRequestSchema,
      create(UpdateMyProfileRequestSchema, { ...body, gender: GENDER_DIVERSE }),
    );
    const request = Buffer.alloc(5 + message.length);
    request.writeUInt32BE(message.length, 1);
    request.set(message, 5);
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/grpc-web+proto',
        accept: 'application/grpc-web+proto',
        'x-grpc-web': '1',
      },
      body: request,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const answer = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new RequestError(`HTTP ${res.status}`);
    const frames = [];
    for (let offset = 0; offset < answer.length && frames.length < 16;) {
      if (offset + 5 > answer.length) throw new RequestError('truncated gRPC-web frame header');
      const length = answer.readUInt32BE(offset + 1);
      if (offset + 5 + length > answer.length) throw new RequestError('truncated gRPC-web frame');
      frames.push({
        flag: answer[offset],
        payload: answer.subarray(offset + 5, offset + 5 + length),
      });
      offset += 5 + length;
    }
    const trailer = frames.at(-1);
    if (trailer === undefined || (trailer.flag & 0x80) === 0) {
      // A trailers-only answer (an error) carries its status in the headers.
      throw new RequestError(
        `no trailer frame: grpc-status ${res.headers.get('grpc-status')}: ${res.headers.get('grpc-message')}`,
      );
    }
    const status = /^grpc-status:\s*(\d+)\s*$/im.exec(trailer.payload.toString('latin1'))?.[1];
    if (status !== '0') {
      throw new RequestError(`grpc-status ${status}: ${trailer.payload.toString('latin1').trim()}`);
    }
    const messages = frames.filter((f) => f.flag === 0);
    if (messages.length !== 1) throw new RequestError(`${messages.length} message frames`);
    const reply = fromBinary(UpdateMyProfileResponseSchema, messages[0].payload);
    return { details: { sequence: String(reply.details?.sequence ?? '') } };
  };
  return { put };
}

// ---------------------------------------------------------------------------------------------
// Phases.
// ---------------------------------------------------------------------------------------------

/**
 * Runs `fn(index, worker)` WARMUP times (not recorded), then REQUESTS times (recorded), each with
 * `concurrency` workers pulling indexes from a shared counter, bounded by PHASE_MS.
 */
async function runPhase(service, { name, concurrency, fn, onResult }) {
  const round = async (count, record) => {
    const latencies = [];
    const errors = [];
    let next = 0;
    let ok = 0;
    let capped = false;
    const deadline = performance.now() + PHASE_MS;
    const worker = async (w) => {
      while (next < count) {
        if (performance.now() > deadline) {
          capped = true;
          return;
        }
        service.assertAlive();
        const index = next;
        next += 1;
        const t0 = performance.now();
        try {
          const result = await fn(index, w, record);
          const ms = performance.now() - t0;
          ok += 1;
          if (record) latencies.push(ms);
          onResult?.(result, index, w, record);
        } catch (error) {
          service.assertAlive();
          errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    const cpu0 = service.cpuMs();
    const client0 = clientCpuMs();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
    const wallMs = performance.now() - t0;
    return {
      latencies,
      errors,
      ok,
      capped,
      wallMs,
      serverCpuMs: service.cpuMs() - cpu0,
      clientCpuMs: clientCpuMs() - client0,
    };
  };

  process.stdout.write(`  ${name} …`);
  const warm = await round(WARMUP, false);
  const measured = await round(REQUESTS, true);
  const sorted = Float64Array.from(measured.latencies).sort();
  const done = measured.ok + measured.errors.length;
  const result = {
    name,
    concurrency,
    requests: done,
    ok: measured.ok,
    failed: measured.errors.length + warm.errors.length,
    errors: [...warm.errors, ...measured.errors].slice(0, 5),
    capped: measured.capped,
    wallMs: measured.wallMs,
    rps: (done / measured.wallMs) * 1000,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    serverCpuMsPerReq: measured.serverCpuMs / Math.max(1, done),
    clientCpuMsPerReq: measured.clientCpuMs / Math.max(1, done),
    serverCpuPct: (measured.serverCpuMs / measured.wallMs) * 100,
    rssAfterMiB: service.memory().rssMiB,
    warmupOk: warm.ok,
  };
  process.stdout.write(
    ` ${result.ok}/${result.requests} ok, ${fmt(result.rps, 0)} req/s, p50 ${fmt(result.p50)} ms` +
      `${result.failed ? `, ${result.failed} FAILED` : ''}${result.capped ? ' (time cap)' : ''}\n`,
  );
  return result;
}

/** "ok" or what is over, against `{ ms, rssMiB, hwmMiB }` (absent keys are not checked). */
function targetVerdict(target, ms, mem) {
  const over = [];
  if (target.ms !== undefined && !(ms <= target.ms)) over.push(`> ${target.ms} ms`);
  if (target.rssMiB !== undefined && !(mem.rssMiB <= target.rssMiB))
    over.push(`RSS > ${target.rssMiB}`);
  if (target.hwmMiB !== undefined && !(mem.hwmMiB <= target.hwmMiB))
    over.push(`peak > ${target.hwmMiB}`);
  const wanted = [
    target.ms === undefined ? undefined : `≤ ${target.ms} ms`,
    target.rssMiB === undefined ? undefined : `RSS ≤ ${target.rssMiB}`,
    target.hwmMiB === undefined ? undefined : `peak ≤ ${target.hwmMiB}`,
  ].filter(Boolean);
  return `${wanted.join(', ')}: ${over.length === 0 ? 'met' : `MISSED (${over.join(', ')})`}`;
}

function fmt(value, digits = 2) {
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

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(DIST_MAIN) || !existsSync(DIST_TOKEN)) {
    fail('dist/ is missing or incomplete: run `npm run build` first', 2);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'profile-bench-'));
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
  const results = [];
  let exitCode = 0;
  let grpc;

  console.log('profile-service benchmark');
  console.log(
    `  node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), ` +
      `database: ${database}`,
  );
  console.log(
    `  ${REQUESTS} measured requests per phase after ${WARMUP} warm-up, ` +
      `phase cap ${PHASE_MS / 1000} s; DATA_DIR ${dataDir}`,
  );

  const cleanup = async () => {
    grpc?.close();
    const shutdownMs = await service.stop().catch(() => NaN);
    service.log?.end();
    return shutdownMs;
  };

  try {
    // (g) start-up time to ready: first on an empty DATA_DIR (the development key is made; the
    // embedded database is created; migrations run), then again on the same DATA_DIR.
    const firstStartMs = await service.start();
    const memFirst = service.memory();
    console.log(
      `  first start: ready in ${fmt(firstStartMs, 0)} ms, RSS ${fmt(memFirst.rssMiB, 0)} MiB, ` +
        `peak ${fmt(memFirst.hwmMiB, 0)} MiB (pid ${service.pid}, HTTP ${port}, gRPC ${grpcPort})`,
    );

    // Tokens, from the service's own CLI with the same DATA_DIR (so the same dev key).
    const run = Date.now().toString(36);
    const subjects = {
      seq: `bench-${run}-seq`,
      hot: `bench-${run}-hot`,
      spread: Array.from(
        { length: CONCURRENCY },
        (_, i) => `bench-${run}-c${String(i).padStart(2, '0')}`,
      ),
    };
    const all = [subjects.seq, subjects.hot, ...subjects.spread];
    const tokens = new Map();
    const mintStarted = performance.now();
    for (let i = 0; i < all.length; i += 2) {
      const batch = all.slice(i, i + 2);
      const minted = await Promise.all(batch.map((s) => service.mintToken(s)));
      batch.forEach((s, j) => tokens.set(s, minted[j]));
    }
    console.log(`  minted ${tokens.size} tokens in ${fmt(performance.now() - mintStarted, 0)} ms`);

    // Restart on the same DATA_DIR: what a redeploy sees. The load runs against this process.
    const firstShutdownMs = await service.stop();
    const startupMs = await service.start();
    const memStart = service.memory();
    console.log(
      `  restart: ready in ${fmt(startupMs, 0)} ms, RSS ${fmt(memStart.rssMiB, 0)} MiB, ` +
        `peak ${fmt(memStart.hwmMiB, 0)} MiB (pid ${service.pid})`,
    );

    // Every subject gets its profile (sequence 1) before the measurements.
    const http = rest(service);
    for (const subject of all) {
      const created = await http.put(tokens.get(subject), profileBody('initial'));
      if (created.details?.sequence !== '1')
        throw new Error(`first update of ${subject}: sequence ${created.details?.sequence}`);
    }
    const memBefore = service.memory();
    console.log('phases:');

    // Baseline: the HTTP stack alone (public route, no token, no database).
    results.push(
      await runPhase(service, {
        name: 'REST GET /healthz (no auth, no DB)',
        concurrency: 1,
        fn: () => http.healthz(),
      }),
    );

    // (a) REST GET sequential.
    const seqToken = tokens.get(subjects.seq);
    results.push(
      await runPhase(service, {
        name: 'REST GET profile',
        concurrency: 1,
        fn: () => http.get(seqToken),
      }),
    );

    // (a') REST GET at concurrency 16, for contrast with (c).
    results.push(
      await runPhase(service, {
        name: 'REST GET profile, 16 subjects',
        concurrency: CONCURRENCY,
        fn: (_i, w) => http.get(tokens.get(subjects.spread[w])),
      }),
    );

    // (b) REST PUT sequential, a different first name every time (never a no-op).
    results.push(
      await runPhase(service, {
        name: 'REST PUT profile',
        concurrency: 1,
        fn: (i, _w, record) => http.put(seqToken, profileBody(`seq-${record ? 'm' : 'w'}-${i}`)),
      }),
    );

    // (c) REST PUT at concurrency 16, each worker on its own subject (no lock contention).
    const spreadOk = new Map(subjects.spread.map((s) => [s, 0]));
    results.push(
      await runPhase(service, {
        name: 'REST PUT profile, 16 subjects',
        concurrency: CONCURRENCY,
        fn: (i, w, record) =>
          http.put(tokens.get(subjects.spread[w]), profileBody(`c16-${record ? 'm' : 'w'}-${i}`)),
        onResult: (_r, _i, w) =>
          spreadOk.set(subjects.spread[w], spreadOk.get(subjects.spread[w]) + 1),
      }),
    );
    // No update lost: each subject's sequence = 1 (its creation) + its successful updates.
    {
      let bad = 0;
      for (const subject of subjects.spread) {
        const seq = Number((await http.get(tokens.get(subject))).details.sequence);
        if (seq !== 1 + spreadOk.get(subject)) bad += 1;
      }
      checks.push({
        name: `(c) 16 subjects: each final sequence = 1 + its successful updates`,
        ok: bad === 0,
        detail: bad === 0 ? `${subjects.spread.length} subjects` : `${bad} subjects differ`,
      });
    }

    // (d) REST PUT at concurrency 8 on ONE subject: serialised by the per-profile advisory lock.
    const hotToken = tokens.get(subjects.hot);
    const hotInitial = Number((await http.get(hotToken)).details.sequence);
    const hotSequences = [];
    let hotLast = { sequence: -1, firstName: '' };
    results.push(
      await runPhase(service, {
        name: 'REST PUT profile, ONE subject',
        concurrency: HOT_CONCURRENCY,
        fn: async (i, _w, record) => {
          const body = profileBody(`hot-${record ? 'm' : 'w'}-${i}`);
          const res = await http.put(hotToken, body);
          return { sequence: Number(res.details.sequence), firstName: body.firstName };
        },
        onResult: (r) => {
          hotSequences.push(r.sequence);
          if (r.sequence > hotLast.sequence) hotLast = r;
        },
      }),
    );
    {
      const final = await http.get(hotToken);
      const finalSeq = Number(final.details.sequence);
      const successes = hotSequences.length;
      const distinct = new Set(hotSequences).size === successes;
      const contiguous = [...hotSequences]
        .sort((a, b) => a - b)
        .every((s, k) => s === hotInitial + 1 + k);
      checks.push({
        name: '(d) one subject: final sequence = initial + successful updates',
        ok: finalSeq === hotInitial + successes,
        detail: `initial ${hotInitial} + ${successes} successful (warm-up included) = ${hotInitial + successes}; final ${finalSeq}`,
      });
      checks.push({
        name: '(d) one subject: each response a distinct sequence, no gaps',
        ok: distinct && contiguous,
        detail: `${successes} responses, ${distinct ? 'distinct' : 'DUPLICATES'}, ${contiguous ? 'contiguous' : 'GAPS'}`,
      });
      checks.push({
        name: '(d) one subject: stored profile = update with highest sequence',
        ok: final.profile.firstName === hotLast.firstName,
        detail: `stored "${final.profile.firstName}", last committed "${hotLast.firstName}"`,
      });
    }

    // (e) gRPC, concurrency 16 across 16 subjects, one HTTP/2 channel.
    grpc = await grpcClient(service);
    results.push(
      await runPhase(service, {
        name: 'gRPC GetMyProfile, 16 subjects',
        concurrency: CONCURRENCY,
        fn: (_i, w) => grpc.get(tokens.get(subjects.spread[w])),
      }),
    );
    results.push(
      await runPhase(service, {
        name: 'gRPC UpdateMyProfile, 16 subjects',
        concurrency: CONCURRENCY,
        fn: (i, w, record) =>
          grpc.put(tokens.get(subjects.spread[w]), profileBody(`grpc-${record ? 'm' : 'w'}-${i}`)),
      }),
    );

    // (e') gRPC-web UpdateMyProfile, concurrency 16 across 16 subjects, HTTP/1.1 keep-alive.
    const grpcWeb = await grpcWebClient(service);
    const webOk = new Map(subjects.spread.map((s) => [s, 0]));
    const webBefore = new Map();
    for (const subject of subjects.spread) {
      webBefore.set(subject, Number((await http.get(tokens.get(subject))).details.sequence));
    }
    results.push(
      await runPhase(service, {
        name: 'gRPC-web UpdateMyProfile, 16 subjects',
        concurrency: CONCURRENCY,
        fn: (i, w, record) =>
          grpcWeb.put(
            tokens.get(subjects.spread[w]),
            profileBody(`web-${record ? 'm' : 'w'}-${i}`),
          ),
        onResult: (_r, _i, w) => webOk.set(subjects.spread[w], webOk.get(subjects.spread[w]) + 1),
      }),
    );
    {
      let bad = 0;
      for (const subject of subjects.spread) {
        const seq = Number((await http.get(tokens.get(subject))).details.sequence);
        if (seq !== webBefore.get(subject) + webOk.get(subject)) bad += 1;
      }
      checks.push({
        name: "(e') gRPC-web: each sequence grew by its successful updates",
        ok: bad === 0,
        detail: bad === 0 ? `${subjects.spread.length} subjects` : `${bad} subjects differ`,
      });
    }

    // (f) memory after the load; (g) shutdown.
    const memAfter = service.memory();
    const shutdownMs = await cleanup();

    // ---- report ----
    console.log(
      `\nResults (${database}; ${REQUESTS} measured requests per phase; latencies in ms)\n`,
    );
    console.log(
      table(
        [
          'phase',
          'conc',
          'ok/requests',
          'req/s',
          'p50',
          'p95',
          'p99',
          'max',
          'srv CPU ms/req',
          'srv CPU %',
          'bench CPU ms/req',
          'RSS after MiB',
        ],
        results.map((r) => [
          r.name + (r.capped ? ' (time cap)' : ''),
          r.concurrency,
          `${r.ok}/${r.requests}`,
          fmt(r.rps, 0),
          fmt(r.p50),
          fmt(r.p95),
          fmt(r.p99),
          fmt(r.max),
          fmt(r.serverCpuMsPerReq, 3),
          fmt(r.serverCpuPct, 0),
          fmt(r.clientCpuMsPerReq, 3),
          fmt(r.rssAfterMiB, 0),
        ]),
      ),
    );
    console.log('');
    console.log(`Start and memory (${database})\n`);
    const embedded = DATABASE_URL === undefined;
    const starts = [
      [
        'first start, empty DATA_DIR',
        firstStartMs,
        memFirst,
        firstShutdownMs,
        STARTUP_TARGETS.first,
      ],
      ['restart, same DATA_DIR', startupMs, memStart, NaN, STARTUP_TARGETS.restart],
    ];
    console.log(
      table(
        [
          'start',
          'spawn → /readyz 200 ms',
          'RSS at ready MiB',
          'peak RSS (VmHWM) MiB',
          'shutdown ms',
          'target (issue 8)',
        ],
        starts.map(([name, ms, mem, shutdown, target]) => [
          name,
          fmt(ms, 0),
          fmt(mem.rssMiB, 1),
          fmt(mem.hwmMiB, 1),
          fmt(shutdown, 0),
          embedded ? targetVerdict(target, ms, mem) : targetVerdict({ ms: target.pgMs }, ms, mem),
        ]),
      ),
    );
    console.log('');
    console.log(
      table(
        ['service process under load', 'value'],
        [
          ['RSS before load (after setup)', `${fmt(memBefore.rssMiB, 1)} MiB`],
          ['RSS after load', `${fmt(memAfter.rssMiB, 1)} MiB`],
          ['peak RSS (VmHWM) of the loaded process', `${fmt(memAfter.hwmMiB, 1)} MiB`],
          ['shutdown after load (SIGTERM → exit)', `${fmt(shutdownMs, 0)} ms`],
        ],
      ),
    );
    console.log('');
    console.log(
      table(
        ['check', 'result', 'detail'],
        checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail]),
      ),
    );

    const failedPhases = results.filter((r) => r.failed > 0);
    for (const r of failedPhases) {
      console.error(`\n${r.name}: ${r.failed} failed requests, e.g.:\n  ${r.errors.join('\n  ')}`);
    }
    if (failedPhases.length > 0 || checks.some((c) => !c.ok)) exitCode = 1;

    if (process.env.BENCH_JSON) {
      writeFileSync(
        process.env.BENCH_JSON,
        JSON.stringify(
          {
            node: process.version,
            cpus: availableParallelism(),
            database,
            requests: REQUESTS,
            warmup: WARMUP,
            firstStartMs,
            firstShutdownMs,
            startupMs,
            shutdownMs,
            memory: { first: memFirst, ready: memStart, before: memBefore, after: memAfter },
            results,
            checks,
          },
          null,
          2,
        ),
      );
    }
  } catch (error) {
    exitCode = 1;
    console.error(`\nbench: ${error instanceof Error ? error.message : String(error)}`);
    await cleanup();
    console.error(`--- service log (last lines) ---\n${service.logTail()}`);
  }

  if (KEEP) console.log(`\nkept ${dataDir} (service log: ${service.logPath})`);
  else rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  console.log(
    exitCode === 0 ? '\nbench: all requests succeeded, all checks held' : '\nbench: FAILED',
  );
  process.exit(exitCode);
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

main().catch((error) => fail(error instanceof Error ? error.stack : String(error)));
