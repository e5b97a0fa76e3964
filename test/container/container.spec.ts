// The container files, checked without a container engine (none runs where they were written):
// the Dockerfile and compose.yaml are read as Docker and Compose read them and held against the
// project (package.json, the settings of src/config, the bench, the README); then the image's
// file layout is replayed in temporary folders (the build stage's `npm run build`, the runtime
// stage's copies) and the runtime stage's CMD and HEALTHCHECK are run there, with the image's
// environment. hadolint and `docker compose config` check the files too where they are installed.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { freePort } from '../support/app.js';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestIssuer, type TestIssuer } from '../support/jwt-issuer.js';
import { freshSubject } from '../support/profile.js';
import {
  containerPort,
  durationMs,
  interpolate,
  InterpolationError,
  readCompose,
  type ComposeFile,
  type ComposeService,
} from './compose.js';
import {
  baseStage,
  copyPaths,
  dockerignore,
  execForm,
  instructionsOf,
  parseDockerfile,
  stageEnv,
  stageUser,
  stageWorkdir,
  type Dockerfile,
  type Instruction,
  type Stage,
} from './dockerfile.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** An npm package name (scoped or not), as an import names it. */
const PACKAGE_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

interface PackageJson {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
}
const pkg = JSON.parse(read('package.json')) as PackageJson;
const dockerfile = parseDockerfile(read('Dockerfile'));
const runtime = lastStage(dockerfile);
const ignored = dockerignore(read('.dockerignore'));

/** What compose.yaml demands (production refuses to start without it); never fetched here. */
const AUTH = {
  AUTH_ISSUER: 'https://issuer.example',
  AUTH_JWKS_URI: 'https://issuer.example/oauth/v2/keys',
};

function lastStage(file: Dockerfile): Stage {
  const stage = file.stages.at(-1);
  if (stage === undefined) throw new Error('Dockerfile without a FROM');
  return stage;
}

function only(stage: Stage, keyword: string): Instruction {
  const found = instructionsOf(stage, keyword);
  if (found.length !== 1) {
    throw new Error(`${found.length} ${keyword} in stage ${stage.name ?? stage.index}, not 1`);
  }
  return found[0] as Instruction;
}

/** The commands of a stage's RUN lines, split at `&&`. */
function runCommands(stage: Stage): string[] {
  return instructionsOf(stage, 'RUN').flatMap((run) => {
    if (execForm(run.args) !== undefined) throw new Error(`line ${run.line}: exec-form RUN`);
    return run.args.split('&&').map((command) => command.trim().replace(/\s+/g, ' '));
  });
}

function words(args: string): string[] {
  return execForm(args) ?? args.split(/\s+/).filter((w) => w !== '');
}

/** The final stage's CMD, which must be exec form. */
function cmd(): string[] {
  const args = execForm(only(runtime, 'CMD').args);
  if (args === undefined) throw new Error('CMD is in shell form');
  return args;
}

/** The HEALTHCHECK's command (exec form) and its flags. */
function healthcheck(): { command: string[]; flags: Record<string, string> } {
  const instruction = only(runtime, 'HEALTHCHECK');
  const match = /^CMD\s+(.*)$/s.exec(instruction.args);
  const command = match === null ? undefined : execForm(match[1] ?? '');
  if (command === undefined) throw new Error('HEALTHCHECK CMD [...] (exec form) expected');
  return { command, flags: instruction.flags };
}

/** The settings the service reads inside the image, with what compose.yaml adds. */
function imageConfig(extra: Record<string, string> = AUTH) {
  return loadConfig({ ...stageEnv(dockerfile, runtime), ...extra });
}

describe('Dockerfile', () => {
  it('is read as Docker reads it (the reader these checks rely on)', () => {
    const sample = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG V=1.2.3',
        'FROM node:${V}-slim AS Build',
        '# a comment',
        'RUN a \\',
        '  # a comment inside a continuation',
        '  && b',
        'COPY --from=build --chown=node:node /x ./y',
        'CMD node x.js',
        'FROM build',
        'ENV A=1 B="two words" C=$A',
        'WORKDIR /app',
        'WORKDIR sub',
        'CMD ["node", "x.js"]',
      ].join('\n'),
    );
    const [first, second] = sample.stages as [Stage, Stage];
    expect(sample.globalArgs).toEqual({ V: '1.2.3' });
    expect([first.from, first.name, second.from, second.name]).toEqual([
      'node:1.2.3-slim',
      'build',
      'build',
      undefined,
    ]);
    expect(only(first, 'RUN')).toMatchObject({ args: 'a && b', line: 5 });
    expect(only(first, 'COPY').flags).toEqual({ from: 'build', chown: 'node:node' });
    expect(copyPaths(only(first, 'COPY'))).toEqual({ sources: ['/x'], dest: './y' });
    expect(execForm(only(first, 'CMD').args)).toBeUndefined();
    expect(execForm(only(second, 'CMD').args)).toEqual(['node', 'x.js']);
    expect(baseStage(sample, second)).toBe(first);
    expect(stageEnv(sample, second)).toEqual({ A: '1', B: 'two words', C: '1' });
    expect(stageWorkdir(sample, second)).toBe('/app/sub');
    expect(stageUser(second)).toBe('root');
    expect(() => parseDockerfile('FROM x\nRUN <<EOF\nls\nEOF\n')).toThrow(/heredoc/);
    expect(() => parseDockerfile('RUN ls\n')).toThrow(/before the first FROM/);

    const sampleIgnore = dockerignore('# c\nnode_modules\n**/*.spec.ts\n*.log\n.env.*\n');
    expect(
      ['node_modules/x/y.js', 'src/a/b.spec.ts', 'x.log', '.env.local'].map(sampleIgnore),
    ).toEqual([true, true, true, true]);
    expect(['src/main.ts', 'src/x.log', '.env', 'package.json'].map(sampleIgnore)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('builds every stage from one exact Node 24 LTS patch of the slim Debian image', () => {
    const bases = dockerfile.stages.filter((stage) => baseStage(dockerfile, stage) === undefined);
    expect(bases.length).toBeGreaterThan(0);
    for (const stage of bases) expect(stage.from).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2); // multi-stage
  });

  it('copies --from earlier stages only', () => {
    const fromCopies = dockerfile.stages.flatMap((stage) =>
      instructionsOf(stage, 'COPY')
        .filter((copy) => copy.flags.from !== undefined)
        .map((copy) => ({ stage, from: (copy.flags.from ?? '').toLowerCase() })),
    );
    expect(fromCopies.length).toBeGreaterThan(0);
    for (const { stage, from } of fromCopies) {
      const source = dockerfile.stages.find((s) => s.name === from || String(s.index) === from);
      expect(source).toBeDefined();
      expect(source?.index ?? Infinity).toBeLessThan(stage.index);
    }
    expect(instructionsOf(runtime, 'ADD')).toEqual([]);
  });

  it('runs `node dist/main.js` in exec form: start:prod, as the bench and the README run it', () => {
    // With the V8 flags that Node 24 reads only at start (the Dockerfile says why).
    expect(cmd()).toEqual(['node', '--liftoff-only', '--max-semi-space-size=16', 'dist/main.js']);
    expect(cmd()).toEqual(pkg.scripts['start:prod']?.split(' '));
    expect(read('src/v8-flags.ts')).toContain("v8.setFlagsFromString('--liftoff-only')");
    // No ENTRYPOINT of its own: the base image's execs the CMD, so Node gets the signals.
    expect(dockerfile.stages.flatMap((s) => instructionsOf(s, 'ENTRYPOINT'))).toEqual([]);
    const bench = read('bench/run.mjs');
    expect(bench).toContain("const DIST_MAIN = join(ROOT, 'dist', 'main.js');");
    expect(bench).toMatch(/spawn\(process\.execPath, \[DIST_MAIN\]/);
    expect(read('README.md')).toMatch(
      /^Production: `npm ci && npm run build && .* npm run start:prod`/m,
    );
  });

  it("runs as the image's non-root user, from the runtime stage's WORKDIR", () => {
    const user = stageUser(runtime);
    expect(['root', '0', '']).not.toContain(user);
    expect(user).toBe('node');
    const userLine = instructionsOf(runtime, 'USER').at(-1)?.line ?? Infinity;
    expect(userLine).toBeLessThan(only(runtime, 'CMD').line);
    expect(stageWorkdir(dockerfile, runtime)).not.toBe('/');
  });

  it('probes /healthz in its HEALTHCHECK with node itself (no shell, no curl)', () => {
    const { command, flags } = healthcheck();
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const script = command[2] ?? '';
    expect(script).toContain('/healthz');
    expect(script).toContain(`process.env.PORT||${imageConfig().port}`);
    for (const flag of ['interval', 'timeout', 'start-period']) {
      expect(durationMs(flags[flag] ?? '')).toBeGreaterThan(0);
    }
    expect(durationMs(flags.timeout ?? '')).toBeLessThanOrEqual(durationMs(flags.interval ?? ''));
  });

  it('stops with SIGTERM, a signal the service shuts down on', () => {
    expect(only(runtime, 'STOPSIGNAL').args).toBe('SIGTERM');
    expect(read('src/server.ts')).toMatch(/process\.on\('SIGTERM'/);
  });

  it('installs the production dependencies only in the runtime stage, without install scripts', () => {
    const runtimeCommands = runCommands(runtime);
    const runtimeInstall = runtimeCommands.filter((c) => c.startsWith('npm ci'));
    expect(runtimeInstall).toHaveLength(1);
    expect(runtimeInstall[0]).toMatch(/^npm ci .*--omit=dev(\s|$)/);
    expect(runtimeCommands.some((c) => /^npm (i|install|rebuild|run)\b/.test(c))).toBe(false);

    const build = dockerfile.stages.find(
      (s) => s !== runtime && runCommands(s).includes('npm run build'),
    );
    expect(build).toBeDefined();
    const buildCommands = runCommands(build as Stage);
    const buildInstall = buildCommands.filter((c) => c.startsWith('npm ci'));
    expect(buildInstall).toHaveLength(1);
    expect(buildInstall[0]).not.toContain('--omit');

    // Every install skips scripts, and the build stage then runs exactly those that allowScripts
    // approves: the same policy as `npm ci` here, with any npm (older ones ignore allowScripts).
    for (const install of [...runtimeInstall, ...buildInstall])
      expect(install).toContain('--ignore-scripts');
    const approved = Object.keys(pkg.allowScripts).filter((name) => pkg.allowScripts[name]);
    const rebuilt = buildCommands
      .filter((c) => c.startsWith('npm rebuild '))
      .flatMap((c) => c.split(' ').slice(2));
    expect(rebuilt.sort()).toEqual(approved.sort());

    // And no production dependency needs its install script to work.
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    const withScripts = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.hasInstallScript === true && p.dev !== true)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    for (const name of withScripts) expect([name, pkg.allowScripts[name]]).toEqual([name, false]);
  });

  it('exposes the ports the service listens on by default and keeps DATA_DIR in a volume it owns', () => {
    const env = stageEnv(dockerfile, runtime);
    expect(env.NODE_ENV).toBe('production');
    const config = imageConfig();
    expect(config.production).toBe(true);
    expect(words(only(runtime, 'EXPOSE').args).map(Number).sort()).toEqual(
      [config.port, config.grpcPort].sort(),
    );
    expect(env.DATA_DIR).toBe('/data');
    expect(config.dataDir).toBe(env.DATA_DIR);
    expect(words(only(runtime, 'VOLUME').args)).toEqual([env.DATA_DIR]);
    const user = stageUser(runtime);
    expect(runCommands(runtime)).toContain(`chown ${user}:${user} ${env.DATA_DIR}`);
  });

  it('keeps node_modules, dist, local data, git and secrets out of the build context, and nothing it copies', () => {
    for (const path of [
      'node_modules/x',
      'dist/main.js',
      '.data/key.pem',
      '.git/HEAD',
      '.env',
      'src/main.spec.ts',
    ]) {
      expect([path, ignored(path)]).toEqual([path, true]);
    }
    const sources = dockerfile.stages.flatMap((stage) =>
      instructionsOf(stage, 'COPY')
        .filter((copy) => copy.flags.from === undefined)
        .flatMap((copy) => copyPaths(copy).sources),
    );
    expect(sources).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'proto']),
    );
    for (const source of sources) {
      expect([source, existsSync(join(ROOT, source)), ignored(source)]).toEqual([
        source,
        true,
        false,
      ]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The image's files, replayed: each stage gets a folder standing for its file system, COPY
// copies (the build context less .dockerignore, or another stage's folder), and each RUN
// command is one this replay knows how to stand in for, or the test fails. `npm ci` links the
// repository's node_modules (installed by this checkout's `npm ci`); `npm run build` runs.

interface Replayed {
  /** The runtime stage's WORKDIR, as a folder here. */
  workdir: string;
  env: Record<string, string>;
}

async function replay(file: Dockerfile, into: string): Promise<Replayed> {
  const roots = new Map<number, string>();
  const inStage = (stage: Stage, path: string) => join(roots.get(stage.index) ?? '', path);
  for (const stage of file.stages) {
    const root = join(into, `stage-${stage.index}`);
    const base = baseStage(file, stage);
    if (base !== undefined) cpSync(roots.get(base.index) ?? '', root, { recursive: true });
    mkdirSync(root, { recursive: true });
    roots.set(stage.index, root);
    let workdir = base === undefined ? '/' : stageWorkdir(file, base);
    for (const instruction of stage.instructions) {
      switch (instruction.keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, instruction.args);
          mkdirSync(inStage(stage, workdir), { recursive: true });
          break;
        case 'COPY': {
          const { sources, dest } = copyPaths(instruction);
          const from = instruction.flags.from?.toLowerCase();
          const source =
            from === undefined
              ? undefined
              : file.stages.find((s) => s.name === from || String(s.index) === from);
          const target = inStage(stage, posix.resolve(workdir, dest));
          for (const src of sources) {
            const path = source === undefined ? join(ROOT, src) : inStage(source, src);
            const into =
              !statSync(path).isDirectory() && (dest.endsWith('/') || sources.length > 1);
            cpSync(path, into ? join(target, basename(path)) : target, {
              recursive: true,
              filter: (p) => source !== undefined || !ignored(relative(ROOT, p)),
            });
          }
          break;
        }
        case 'RUN':
          for (const command of runCommands({ ...stage, instructions: [instruction] })) {
            await runStep(command, inStage(stage, workdir), (p) => inStage(stage, p));
          }
          break;
        case 'ENV':
        case 'ARG':
        case 'USER':
        case 'EXPOSE':
        case 'VOLUME':
        case 'HEALTHCHECK':
        case 'STOPSIGNAL':
        case 'CMD':
        case 'LABEL':
          break;
        default:
          throw new Error(`line ${instruction.line}: ${instruction.keyword} is not replayed here`);
      }
    }
  }
  return {
    workdir: inStage(runtime, stageWorkdir(file, runtime)),
    env: stageEnv(file, runtime),
  };
}

async function runStep(command: string, cwd: string, at: (path: string) => string): Promise<void> {
  if (/^npm ci( |$)/.test(command)) {
    symlinkSync(join(ROOT, 'node_modules'), join(cwd, 'node_modules'), 'dir');
  } else if (command === 'npm run build') {
    await promisify(execFile)('npm', ['run', 'build'], { cwd, timeout: 120_000 });
  } else if (/^npm rebuild |^npm cache clean |^chown /.test(command)) {
    // install scripts ran with this checkout's npm ci; no cache; one user here
  } else if (/^mkdir -p \S+$/.test(command)) {
    mkdirSync(at(command.split(' ')[2] ?? ''), { recursive: true });
  } else {
    throw new Error(`RUN step the replay cannot stand in for: ${command}`);
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(join(dir, f)).isFile(),
  );
}

function exited(
  child: ChildProcess,
  ms: number,
): Promise<{ code: number | null; signal: string | null } | 'timeout'> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Runs the HEALTHCHECK command as Docker would (node being this Node); its exit code. */
async function runHealthcheck(env: Record<string, string>): Promise<number | null> {
  const { command, flags } = healthcheck();
  const [program, ...args] = command;
  expect(program).toBe('node');
  const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
  const result = await exited(child, durationMs(flags.timeout ?? '30s'));
  if (result === 'timeout') {
    child.kill('SIGKILL');
    return null;
  }
  return result.code;
}

/** The image's CMD in the replayed runtime WORKDIR; its output (log lines on stdout) collected. */
function startCmd(
  workdir: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  const [program, ...args] = cmd();
  expect(program).toBe('node');
  const child = spawn(process.execPath, args, {
    cwd: workdir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

describe('the image, replayed without a container engine', () => {
  let tmp: string;
  let image: Replayed;
  let database: TestDatabase | undefined;
  let issuer: TestIssuer | undefined;
  let service: ChildProcess | undefined;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'profile-container-'));
    image = await replay(dockerfile, join(tmp, 'image'));
  }, 180_000);

  afterAll(async () => {
    if (service !== undefined && service.exitCode === null && service.signalCode === null) {
      service.kill('SIGKILL');
      await exited(service, 5000);
    }
    await issuer?.close();
    await database?.drop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('has what the start command needs where the runtime stage copies it', () => {
    const script = cmd().at(-1) ?? '';
    expect(existsSync(join(image.workdir, script))).toBe(true);
    const shipped = filesUnder(join(image.workdir, 'dist', 'proto')).sort();
    expect(shipped).toContain(join('zitadel', 'auth.proto'));
    expect(shipped).toEqual(
      filesUnder(join(ROOT, 'proto'))
        .filter((f) => f.endsWith('.proto'))
        .sort(),
    );
    // dist/*.js are ES modules because of package.json beside dist/.
    const runtimePkg = JSON.parse(readFileSync(join(image.workdir, 'package.json'), 'utf8')) as {
      type?: string;
    };
    expect(runtimePkg.type).toBe('module');
    expect(existsSync(join(image.workdir, 'src'))).toBe(false);
  });

  it('imports at run time only packages that `npm ci --omit=dev` installs', () => {
    const dist = join(image.workdir, 'dist');
    const imported = new Set<string>();
    for (const file of filesUnder(dist).filter((f) => /\.c?js$/.test(f))) {
      const code = readFileSync(join(dist, file), 'utf8');
      for (const m of code.matchAll(
        /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g,
      )) {
        const specifier = m[1] ?? '';
        const parts = specifier.split('/');
        const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
        // The bundle (dist/service.cjs) also names Node's builtins without `node:`, and holds
        // strings that only look like an import.
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        if (builtinModules.includes(name) || !PACKAGE_NAME.test(name)) continue;
        imported.add(name);
      }
    }
    expect([...imported]).toEqual(expect.arrayContaining(['@grpc/grpc-js', 'pg', 'pino']));
    // The bundle keeps its dependencies' imports of packages for features the service does not
    // use (Nest's Kafka, MQTT, NATS, Redis, RabbitMQ transports): installed nowhere, not even here
    // with the dev dependencies (scripts/bundle.mjs lets only a dependency's import be missing).
    // A dev dependency is installed here.
    const devOnly = [...imported].filter(
      (name) =>
        pkg.dependencies[name] === undefined &&
        existsSync(join(ROOT, 'node_modules', name, 'package.json')),
    );
    expect(devOnly).toEqual([]);
  });

  it("refuses to start with the image's environment alone, naming the AUTH_* settings compose.yaml passes", async () => {
    const { child, output } = startCmd(image.workdir, {
      PATH: process.env.PATH ?? '',
      ...image.env,
      DATA_DIR: join(tmp, 'data-refused'),
      PORT: String(await freePort()),
      GRPC_PORT: String(await freePort()),
    });
    expect(await exited(child, 20_000)).toEqual({ code: 1, signal: null });
    // One JSON log line, level fatal, naming each problem.
    const [line, ...more] = output().trim().split('\n');
    expect(more).toEqual([]);
    const fatal = JSON.parse(line ?? '') as { level: string; msg: string; problems: string[] };
    expect(fatal.level).toBe('fatal');
    expect(fatal.msg).toMatch(/^profile-service cannot start: /);
    expect(fatal.problems.join('\n')).toMatch(/AUTH_ISSUER is required when NODE_ENV=production/);
    expect(fatal.problems.join('\n')).toMatch(/AUTH_JWKS_URI or AUTH_PUBLIC_KEY is required/);
  }, 30_000);

  it("serves with the image's CMD and environment: HEALTHCHECK passes, a profile round-trips, SIGTERM stops it", async () => {
    database = await createTestDatabase();
    issuer = await startTestIssuer({ audience: 'profile-service' });
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...image.env,
      // Where the volume would be mounted (the embedded database lives there without DATABASE_URL).
      DATA_DIR: database.dataDir,
      PORT: String(port),
      GRPC_PORT: String(await freePort()),
      AUTH_ISSUER: issuer.issuer,
      AUTH_JWKS_URI: issuer.jwksUri,
      AUTH_AUDIENCE: issuer.audience,
      ...(database.config.kind === 'postgres' ? { DATABASE_URL: database.config.url } : {}),
    };
    // Nothing listens yet: the probe must say so.
    expect(await runHealthcheck({ PORT: String(port) })).toBe(1);

    const started = startCmd(image.workdir, env);
    service = started.child;
    const deadline = Date.now() + 45_000;
    let health: number | null = 1;
    while (Date.now() < deadline && service.exitCode === null) {
      health = await runHealthcheck({ PORT: String(port) });
      if (health === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect([health, service.exitCode, health === 0 ? '' : started.output()]).toEqual([0, null, '']);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const token = await issuer.mint(freshSubject('container'));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const profile = {
      firstName: 'Grace',
      lastName: 'Hopper',
      nickName: 'amazing',
      displayName: 'Grace H.',
    };
    const put = await fetch(`${base}/auth/v1/users/me/profile`, {
      method: 'PUT',
      headers,
      body: JSON.stringify(profile),
    });
    expect(put.status).toBe(200);
    const got = await fetch(`${base}/auth/v1/users/me/profile`, { headers });
    expect(got.status).toBe(200);
    expect(((await got.json()) as { profile: Record<string, string> }).profile).toMatchObject(
      profile,
    );

    service.kill('SIGTERM');
    const result = await exited(service, 20_000);
    expect(result).not.toBe('timeout');
    expect(await runHealthcheck({ PORT: String(port) })).toBe(1);
    // Its whole output: JSON log lines (Nest's own too), one per call, the subject named, the
    // token never written; what was buffered at exit is there too.
    const lines = started
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.context === 'NestApplication')?.msg).toBe(
      'Nest application successfully started',
    );
    // `npm run build` made V8's code cache for this very command line (src/cli/code-cache.ts),
    // which the image, unable to write dist/, must find and take.
    expect(
      lines.find((l) => l.context === 'Main' && String(l.msg).startsWith('V8 code cache: '))?.msg,
    ).toMatch(/^V8 code cache: used .*\/dist\/code-cache\/v\d+\.\d+\.\d+-/);
    const calls = lines.filter((l) => l.msg === 'call ended');
    expect(calls.filter((l) => l.operation === 'PUT /auth/v1/users/me/profile')).toEqual([
      expect.objectContaining({ transport: 'rest', status: 200, subject: expect.any(String) }),
    ]);
    expect(lines.filter((l) => l.context === 'Shutdown').map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/^drained in \d+ ms$/),
    );
    expect(started.output()).not.toContain(token);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------

describe('compose.yaml', () => {
  const text = read('compose.yaml');
  const compose = readCompose(text, AUTH);
  const entries = Object.entries(compose.services);
  const [dbName, db] = entries.find(([, s]) => /^postgres:/.test(s.image ?? '')) ?? ['', {}];
  const [appName, app] = entries.find(([, s]) => s.build !== undefined) ?? ['', {}];
  const envOf = (service: ComposeService): Record<string, string> =>
    Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
    );

  it('is read with the interpolation Compose applies', () => {
    const env = { SET: 'x', EMPTY: '' };
    expect(
      [
        '$$HOME',
        '${SET}',
        '$SET',
        '${EMPTY:-d}',
        '${EMPTY-d}',
        '${UNSET-d}',
        '${SET:+y}',
        '${EMPTY:+y}',
      ].map((s) => interpolate(s, env)),
    ).toEqual(['$HOME', 'x', 'x', 'd', '', 'd', 'y', '']);
    expect(() => interpolate('${EMPTY:?is needed}', env)).toThrow(InterpolationError);
    expect(interpolate('${EMPTY?is needed}', env)).toBe('');
  });

  it('refuses to run without AUTH_ISSUER and AUTH_JWKS_URI, naming each', () => {
    expect(() => readCompose(text, {})).toThrow(/AUTH_ISSUER/);
    expect(() => readCompose(text, { AUTH_ISSUER: AUTH.AUTH_ISSUER })).toThrow(/AUTH_JWKS_URI/);
    expect(() => readCompose(text, { AUTH_JWKS_URI: AUTH.AUTH_JWKS_URI })).toThrow(/AUTH_ISSUER/);
    expect(envOf(app)).toMatchObject(AUTH);
  });

  it('runs PostgreSQL 17 with a pg_isready healthcheck and its data in a named volume', () => {
    expect(db.image).toMatch(/^postgres:17(\.\d+)?(-[a-z0-9]+)?$/);
    const test = db.healthcheck?.test;
    expect(Array.isArray(test) ? test.join(' ') : test).toMatch(/^CMD(-SHELL)? .*pg_isready/);
    const mounts = (db.volumes ?? []).map((v) =>
      typeof v === 'string' ? v : `${v.source}:${v.target}`,
    );
    const data = mounts.find((m) => m.endsWith(':/var/lib/postgresql/data'));
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(data?.split(':')[0]);
  });

  it('builds the service from this Dockerfile and starts it once the database is healthy', () => {
    const context = typeof app.build === 'string' ? app.build : (app.build?.context ?? '.');
    const file =
      typeof app.build === 'object' ? (app.build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
    expect(join(ROOT, context, file)).toBe(join(ROOT, 'Dockerfile'));
    const dependsOn = app.depends_on;
    expect(Array.isArray(dependsOn) ? undefined : dependsOn?.[dbName]).toEqual({
      condition: 'service_healthy',
    });
    expect(app.init).toBe(true);
  });

  it("wires DATABASE_URL to the db service, in a form the service's settings accept", () => {
    for (const env of [
      AUTH,
      { ...AUTH, POSTGRES_USER: 'alice', POSTGRES_PASSWORD: 's3cret', POSTGRES_DB: 'profiles' },
    ]) {
      const file: ComposeFile = readCompose(text, env);
      const dbEnv = envOf(file.services[dbName] ?? {});
      const appEnv = envOf(file.services[appName] ?? {});
      const url = new URL(appEnv.DATABASE_URL ?? '');
      expect([url.protocol, url.hostname, url.port || '5432']).toEqual([
        'postgres:',
        dbName,
        '5432',
      ]);
      expect([url.username, url.password, url.pathname]).toEqual([
        dbEnv.POSTGRES_USER,
        dbEnv.POSTGRES_PASSWORD,
        `/${dbEnv.POSTGRES_DB}`,
      ]);
      const config = imageConfig(appEnv);
      expect(config.database).toMatchObject({ kind: 'postgres', url: appEnv.DATABASE_URL });
      expect(config.auth).toMatchObject({
        mode: 'jwks',
        issuer: AUTH.AUTH_ISSUER,
        jwksUri: AUTH.AUTH_JWKS_URI,
      });
    }
  });

  it('publishes the HTTP and gRPC ports the service listens on', () => {
    const config = imageConfig(envOf(app));
    expect((app.ports ?? []).map(containerPort).sort()).toEqual(
      [config.port, config.grpcPort].sort(),
    );
  });

  it('gives the service longer than SHUTDOWN_TIMEOUT_MS to drain before SIGKILL', () => {
    for (const env of [AUTH, { ...AUTH, SHUTDOWN_TIMEOUT_MS: '20000' }]) {
      const service = readCompose(text, env).services[appName] ?? {};
      const shutdownMs = Number(envOf(service).SHUTDOWN_TIMEOUT_MS ?? '10000');
      expect(durationMs(service.stop_grace_period ?? '10s')).toBeGreaterThan(shutdownMs);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Tools that check the files too, where installed: hadolint, and Compose itself (`config` reads
// compose.yaml without an engine). A fresh machine of this project has neither.

function runs(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
  return result.error === undefined && result.status === 0;
}

describe('container tools, where installed', () => {
  if (runs('hadolint', ['--version'])) {
    it('hadolint finds nothing in the Dockerfile', () => {
      const result = spawnSync('hadolint', ['Dockerfile'], { cwd: ROOT, encoding: 'utf8' });
      expect([result.status, result.stdout + result.stderr]).toEqual([0, '']);
    });
  }
  // Compose v2 (the docker CLI plugin), else v1 (Debian's docker-compose package).
  const compose = runs('docker', ['compose', 'version'])
    ? ['docker', 'compose']
    : runs('docker-compose', ['version'])
      ? ['docker-compose']
      : undefined;
  if (compose !== undefined) {
    it(`${compose.join(' ')} config accepts compose.yaml, and only with the AUTH_* settings`, () => {
      const [command = '', ...args] = compose;
      const config = (env: Record<string, string>) =>
        spawnSync(command, [...args, '-f', 'compose.yaml', 'config', '--quiet'], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', ...env },
        });
      const accepted = config(AUTH);
      expect([accepted.status, accepted.stderr]).toEqual([0, '']);
      const refused = config({});
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('set AUTH_ISSUER');
    });
  }
});
