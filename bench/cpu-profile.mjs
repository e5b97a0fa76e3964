#!/usr/bin/env node
// Where the CPU time of a request goes: runs the built service under `node --cpu-prof`, drives
// one scenario at it for a fixed time, stops it, and breaks the samples taken during the load
// window down by layer (which package or part of the service the sampled function belongs to).
//
//   npm run build && node bench/cpu-profile.mjs put        # REST PUT, distinct profiles
//   node bench/cpu-profile.mjs get                          # REST GET
//   node bench/cpu-profile.mjs grpc-put                     # gRPC UpdateMyProfile
//   PROFILE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/profile_prof node bench/cpu-profile.mjs put
//
// Settings: PROFILE_DATABASE_URL (else the embedded database), PROFILE_SECONDS (load window, 15),
// PROFILE_CONNS (requests in flight, 16), PROFILE_SUBJECTS (500), PROFILE_KEEP=1 (keep the
// .cpuprofile and the service log, path printed; open the profile in Chrome DevTools).
//
// Self time only: each sample is charged to the function on top of the stack, so "pg" is the
// time spent in pg's own code, not in the socket writes it asks for (those are "Node: net,
// streams"). Samples before the first and after the last request are not counted.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  authServiceClient,
  describeFailures,
  drive,
  mintTokens,
  PROFILE,
  profileFields,
  REQUEST_TIMEOUT_MS,
  request,
  startInstance,
} from './lib/instance.mjs';

const scenario = process.argv[2] ?? 'put';
if (!['put', 'get', 'grpc-put'].includes(scenario)) {
  console.error('usage: node bench/cpu-profile.mjs put|get|grpc-put');
  process.exit(2);
}
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 15);
const CONNS = Number(process.env.PROFILE_CONNS ?? 16);
const SUBJECTS = Number(process.env.PROFILE_SUBJECTS ?? 500);
const DATABASE_URL = process.env.PROFILE_DATABASE_URL;

const work = mkdtempSync(join(tmpdir(), 'profile-cpu-'));
const dataDir = join(work, 'data');
// The development key the service will trust, made before it starts so tokens can be minted here.
const tokens = await mintTokens(dataDir, SUBJECTS, `cpu-${Date.now().toString(36)}`);
const service = await startInstance({
  dataDir,
  databaseUrl: DATABASE_URL,
  logPath: join(work, 'service.log'),
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${join(work, 'prof')}`],
});
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS });
const rest = (method, token, body) => request(agent, service.port, method, PROFILE, token, body);
const body = (tag) => JSON.stringify(profileFields(tag));

// Every subject gets its profile first (untimed), so GET finds one and PUT changes one.
for (let i = 0; i < SUBJECTS; i += 16) {
  const statuses = await Promise.all(
    tokens.slice(i, i + 16).map((token, j) => rest('PUT', token, body(i + j))),
  );
  if (statuses.some((status) => status !== 200)) throw new Error(`seeding answered ${statuses}`);
}

let call;
let closeClient = () => {};
if (scenario === 'grpc-put') {
  const { grpc, AuthService } = await authServiceClient();
  const client = new AuthService(
    `127.0.0.1:${service.grpcPort}`,
    grpc.credentials.createInsecure(),
  );
  closeClient = () => client.close();
  call = (i) =>
    new Promise((resolve) => {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${tokens[i % SUBJECTS]}`);
      client.UpdateMyProfile(
        profileFields(`g${i}`),
        metadata,
        { deadline: Date.now() + REQUEST_TIMEOUT_MS },
        (error) => resolve(error ? error.code : 0),
      );
    });
} else if (scenario === 'get') {
  call = (i) => rest('GET', tokens[i % SUBJECTS]);
} else {
  call = (i) => rest('PUT', tokens[i % SUBJECTS], body(`load ${i}`));
}
const ok = scenario === 'grpc-put' ? 0 : 200;
const seeded = await call(0);
if (seeded !== ok) throw new Error(`a first ${scenario} answered ${seeded}; log: ${work}`);

// call(0) ran above: the same update again would change nothing (an error), so start at 1.
const load = await drive({ conns: CONNS, seconds: SECONDS, call, ok, first: 1 });
closeClient();
agent.destroy();

// SIGTERM: the service drains, exits 0, and Node writes the profile on the way out.
const stopSent = Date.now();
const exitCode = await service.stop();
const exitSeen = Date.now();

const profileFile = readdirSync(join(work, 'prof')).find((name) => name.endsWith('.cpuprofile'));
if (profileFile === undefined) throw new Error('no .cpuprofile was written');
const profile = JSON.parse(readFileSync(join(work, 'prof', profileFile), 'utf8'));

// The profile's clock is its own (µs); its end is when the process exited. The load window is
// placed back from there with the wall-clock times seen here (a few ms of uncertainty).
const windowEnd = profile.endTime - (exitSeen - load.ended) * 1000;
const windowStart = profile.endTime - (exitSeen - load.started) * 1000;

// dist/main.js is one bundle (scripts/bundle.mjs): a function in it is charged to the file it came
// from, found through the bundle's source map (`../node_modules/<package>/…`, `../src/<folder>/…`).
const bundleMaps = new Map();
const sourceUrl = ({ url, lineNumber, columnNumber }) => {
  if (!url.endsWith('/dist/main.js')) return url;
  if (!bundleMaps.has(url)) {
    const file = `${fileURLToPath(url)}.map`;
    bundleMaps.set(
      url,
      existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined,
    );
  }
  const source = bundleMaps.get(url)?.findEntry(lineNumber, columnNumber)?.originalSource;
  // esbuild's own helpers (__name for keepNames, the CommonJS interop's getters) have no source.
  if (source === undefined) return 'bundle:';
  return source
    .replace(/^(\.\.\/)+src\//, '/dist/')
    .replace(/^(\.\.\/)+node_modules\//, '/node_modules/');
};

const layerOf = (node) => {
  const { functionName } = node.callFrame;
  const url = sourceUrl(node.callFrame);
  if (url === 'bundle:') return "esbuild's helpers in the bundle (names, CommonJS interop)";
  if (url === '') {
    if (functionName === '(idle)') return undefined;
    if (functionName === '(garbage collector)') return 'V8: garbage collection';
    if (functionName === '(program)') return 'V8 and native code (program)';
    return 'V8 builtins and native code';
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg !== undefined) {
    if (
      /^(express|router|finalhandler|send|serve-static|path-to-regexp|qs|content-type|type-is|mime-types|mime-db|media-typer|vary|cors|on-finished|accepts|negotiator|depd|encodeurl|escape-html|parseurl|fresh|range-parser|proxy-addr|forwarded|etag|statuses|http-errors|cookie|cookie-signature|merge-descriptors|safe-buffer|setprototypeof|inherits)$/.test(
        pkg,
      )
    )
      return 'Express (routing, req/res helpers)';
    if (
      /^(@nestjs\/core|@nestjs\/common|@nestjs\/platform-express|rxjs|reflect-metadata|tslib|iterare)$/.test(
        pkg,
      )
    )
      return 'Nest (router, guards, interceptors, pipes; rxjs)';
    if (
      /^(@nestjs\/passport|passport|passport-jwt|passport-strategy|jsonwebtoken|jws|jwa|jose|lru-cache|ecdsa-sig-formatter|buffer-equal-constant-time|semver|ms|lodash\..*)$/.test(
        pkg,
      )
    )
      return 'Auth libraries (passport, JWT, cache)';
    if (/^(class-validator|class-transformer|validator|libphonenumber-js)$/.test(pkg))
      return 'class-validator, class-transformer';
    if (pkg === '@bufbuild/protobuf') return 'protobuf-es (decode, JSON, binary)';
    if (pkg === 'typeorm' || pkg === '@nestjs/typeorm') return 'TypeORM';
    if (
      /^(pg|pg-protocol|pg-pool|pg-types|pg-int8|postgres-array|postgres-bytea|postgres-date|postgres-interval|pgpass|split2|pg-connection-string|pg-cloudflare)$/.test(
        pkg,
      )
    )
      return 'pg (driver, wire protocol)';
    if (pkg === '@grpc/grpc-js' || pkg === '@nestjs/microservices')
      return 'gRPC (grpc-js, Nest microservices)';
    if (pkg === '@electric-sql/pglite') return 'PGlite (embedded database)';
    if (/^(helmet|rate-limiter-flexible)$/.test(pkg)) return 'Security headers, rate limit';
    if (
      /^(pino|pino-http|nestjs-pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|@pinojs\/redact|quick-format-unescaped|atomic-sleep|on-exit-leak-free|safe-stable-stringify|prom-client|tdigest|bintrees)$/.test(
        pkg,
      )
    )
      return 'Logs and metrics (pino, prom-client)';
    return `other package: ${pkg}`;
  }
  const own = /\/dist\/(.+?)\//.exec(url)?.[1];
  if (own !== undefined) return `service code: src/${own}/`;
  if (/\/dist\/[^/]+\.js$/.test(url)) return 'service code: src/*.ts';
  if (url.startsWith('node:')) {
    if (/^node:(internal\/http2|http2)/.test(url)) return 'Node: http2';
    if (/^node:(_http|http|internal\/http|internal\/url|url)/.test(url)) return 'Node: http';
    if (
      /^node:(net|internal\/net|internal\/stream|stream|internal\/streams|_stream|tls|internal\/dns|internal\/tcp|dns)/.test(
        url,
      )
    )
      return 'Node: net, streams';
    if (/^node:(crypto|internal\/crypto)/.test(url)) return 'Node: crypto';
    if (
      /^node:(internal\/async_hooks|async_hooks|internal\/process\/task_queues|internal\/timers|timers|events|internal\/event_target)/.test(
        url,
      )
    )
      return 'Node: events, timers, async context';
    return 'Node: other';
  }
  return `other: ${url}`;
};

const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
// A builtin (JSON.parse, a RegExp, a Map lookup, …) has no script of its own: it is charged to
// the nearest caller that has one, so that each layer includes the builtins it calls.
const chargedLayer = new Map();
const layerOfSample = (id) => {
  let layer = chargedLayer.get(id);
  if (layer !== undefined || chargedLayer.has(id)) return layer;
  const node = nodeById.get(id);
  layer = layerOf(node);
  if (layer === 'V8 builtins and native code') {
    for (let up = parentOf.get(node.id); up !== undefined; up = parentOf.get(up.id)) {
      const above = layerOf(up);
      if (
        above !== 'V8 builtins and native code' &&
        above !== undefined &&
        up.callFrame.url !== ''
      ) {
        layer = above;
        break;
      }
    }
  }
  chargedLayer.set(id, layer);
  return layer;
};
const byLayer = new Map();
let total = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  if (t < windowStart || t > windowEnd) continue;
  const delta = profile.timeDeltas[i + 1] ?? 0;
  const layer = layerOfSample(profile.samples[i]);
  if (layer === undefined) continue;
  byLayer.set(layer, (byLayer.get(layer) ?? 0) + delta);
  total += delta;
}

const { done, failed } = load;
const seconds = (load.ended - load.started) / 1000;
console.log(
  `# ${scenario} on ${DATABASE_URL === undefined ? 'the embedded database' : 'PostgreSQL'}: ` +
    `${done} ok, ${failed} failed${describeFailures(load)} in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(0)} req/s), ${CONNS} in flight; ` +
    `service CPU ${(total / 1000).toFixed(0)} ms = ${(total / 1000 / Math.max(1, done)).toFixed(3)} ms per request; ` +
    `exit after SIGTERM in ${exitSeen - stopSent} ms, code ${exitCode}`,
);
console.log('| layer | share of CPU | µs per request |');
console.log('| :-- | --: | --: |');
for (const [layer, us] of [...byLayer].sort((a, b) => b[1] - a[1])) {
  if (us / total < 0.002) continue;
  console.log(
    `| ${layer} | ${((100 * us) / total).toFixed(1)} % | ${(us / Math.max(1, done)).toFixed(0)} |`,
  );
}
if (process.env.PROFILE_KEEP === '1') console.log(`# kept: ${work}`);
else rmSync(work, { recursive: true, force: true });
process.exit(failed > 0 ? 1 : 0);
