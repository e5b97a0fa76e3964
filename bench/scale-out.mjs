#!/usr/bin/env node
// How throughput grows with instances on one PostgreSQL: for 1, then 2 (… up to
// SCALE_INSTANCES) instances of the built service sharing one database and one development key,
// drives REST PUTs of distinct profiles and GETs spread over the instances (calls dealt round
// robin, keep-alive connections per instance), and prints req/s per instance count.
//
//   npm run build
//   createdb -h 127.0.0.1 -U postgres profile_scale
//   SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/profile_scale node bench/scale-out.mjs
//
// Settings: SCALE_DATABASE_URL (required: the embedded database is one process's),
// SCALE_INSTANCES (2), SCALE_SECONDS (8 per scenario), SCALE_CONNS (32 in flight in all),
// SCALE_SUBJECTS (500). The load generator runs on the same machine: with few cores, it, the
// instances and PostgreSQL share them, which is what the figures then show.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeFailures,
  drive,
  mintTokens,
  PROFILE,
  profileFields,
  request,
  startInstance,
} from './lib/instance.mjs';

const DATABASE_URL = process.env.SCALE_DATABASE_URL;
if (DATABASE_URL === undefined) {
  console.error('SCALE_DATABASE_URL is required (postgres://…): instances share one PostgreSQL');
  process.exit(2);
}
const MAX_INSTANCES = Number(process.env.SCALE_INSTANCES ?? 2);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 8);
const CONNS = Number(process.env.SCALE_CONNS ?? 32);
const SUBJECTS = Number(process.env.SCALE_SUBJECTS ?? 500);

const work = mkdtempSync(join(tmpdir(), 'profile-scale-'));
const dataDir = join(work, 'data');
const tokens = await mintTokens(dataDir, SUBJECTS, `scale-${Date.now().toString(36)}`);
const body = (tag) => JSON.stringify(profileFields(tag));

const rows = [];
let failedAny = false;
let tag = 0;
for (let count = 1; count <= MAX_INSTANCES; count++) {
  const instances = [];
  for (let i = 0; i < count; i++) {
    instances.push(
      await startInstance({
        dataDir,
        databaseUrl: DATABASE_URL,
        logPath: join(work, `service-${count}-${i}.log`),
      }),
    );
  }
  const agents = instances.map(() => new http.Agent({ keepAlive: true }));
  // Call i goes to instance i % count: each gets an equal share of the load.
  const on = (i) => i % count;
  const rest = (i, method, token, payload) =>
    request(agents[on(i)], instances[on(i)].port, method, PROFILE, token, payload);

  if (count === 1) {
    for (let i = 0; i < SUBJECTS; i += 16) {
      const statuses = await Promise.all(
        tokens.slice(i, i + 16).map((token, j) => rest(0, 'PUT', token, body(`seed ${i + j}`))),
      );
      if (statuses.some((status) => status !== 200))
        throw new Error(`seeding answered ${statuses}`);
    }
  }
  const scenarios = {
    'put-distinct': (i) => rest(i, 'PUT', tokens[i % SUBJECTS], body(`${count} ${tag++}`)),
    get: (i) => rest(i, 'GET', tokens[i % SUBJECTS]),
  };
  const row = { instances: count };
  for (const [name, call] of Object.entries(scenarios)) {
    // 2 s warm-up, not counted.
    await drive({ conns: CONNS, seconds: 2, call, ok: 200 });
    const load = await drive({ conns: CONNS, seconds: SECONDS, call, ok: 200 });
    const rate = load.done / ((load.ended - load.started) / 1000);
    row[name] = { rate, failed: load.failed, detail: describeFailures(load) };
    if (load.failed > 0) failedAny = true;
    console.error(
      `# ${count} instance(s), ${name}: ${rate.toFixed(0)} req/s, ${load.failed} failed${row[name].detail}`,
    );
  }
  rows.push(row);
  for (const agent of agents) agent.destroy();
  const codes = await Promise.all(instances.map((instance) => instance.stop()));
  if (codes.some((code) => code !== 0)) {
    failedAny = true;
    console.error(`# exit codes: ${codes.join(', ')}`);
  }
}

const base = rows[0];
console.log(
  `| instances | put-distinct req/s | × 1 instance | get req/s | × 1 instance | failed |`,
);
console.log(`| --: | --: | --: | --: | --: | --: |`);
for (const row of rows) {
  console.log(
    `| ${row.instances} | ${row['put-distinct'].rate.toFixed(0)} | ${(row['put-distinct'].rate / base['put-distinct'].rate).toFixed(2)} | ` +
      `${row.get.rate.toFixed(0)} | ${(row.get.rate / base.get.rate).toFixed(2)} | ${row['put-distinct'].failed + row.get.failed} |`,
  );
}
rmSync(work, { recursive: true, force: true });
process.exit(failedAny ? 1 : 0);
