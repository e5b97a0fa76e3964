// The built service on the embedded database (no DATABASE_URL), as its own process: the template
// that the build makes (`node dist/cli/pglite-template.js`, run by `npm run build`) becomes the
// database of a first start on an empty DATA_DIR, what is written there is still there after a
// restart, and without a template the service still starts (PGlite runs initdb) and says why.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { loadOrCreateDevKey, mintDevToken } from '../../src/auth/dev-keys.js';
import { RESOURCE_OWNER_CLAIM, freePort } from '../support/app.js';
import { ADA } from '../support/profile.js';
import {
  buildService,
  type ServiceBuild,
  type ServiceProcess,
  startService,
} from '../support/service-process.js';

const PROFILE = '/auth/v1/users/me/profile';

describe('the built service on the embedded database', () => {
  let build: ServiceBuild;
  let template: string;
  let folder: string;
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    build = await buildService();
    template = join(dirname(build.main), 'pglite-template');
    // What `npm run build` runs after compiling.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(dirname(build.main), 'cli', 'pglite-template.js')],
      { timeout: 120_000 },
    );
    expect(stdout).toContain(`embedded database template: ${template} (PGlite `);
    folder = mkdtempSync(join(dirname(build.main), '..', 'embedded-'));
  }, 300_000);

  afterAll(() => {
    for (const service of running) service.kill();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    build?.remove();
  });

  async function start(dataDir: string): Promise<{ service: ServiceProcess; base: string }> {
    const [port, grpcPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${port}`;
    const service = await startService(
      build.main,
      {
        NODE_ENV: 'development',
        PORT: String(port),
        GRPC_PORT: String(grpcPort),
        DATA_DIR: dataDir,
      },
      `${base}/readyz`,
    );
    running.push(service);
    return { service, base };
  }

  async function stop(service: ServiceProcess): Promise<void> {
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    expect((await service.exited(signalled)).code).toBe(0);
  }

  /** What the service's `V8 code cache: …` line says (src/code-cache.ts), once written. */
  async function codeCache(service: ServiceProcess): Promise<string | undefined> {
    for (let waited = 0; ; waited += 50) {
      const found = /"msg":"V8 code cache: ([^"]+)"/.exec(service.output())?.[1];
      if (found !== undefined || waited >= 5000) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function tokenFor(dataDir: string, subject: string): string {
    return mintDevToken(loadOrCreateDevKey(dataDir), {
      subject,
      resourceOwner: 'acme',
      resourceOwnerClaim: RESOURCE_OWNER_CLAIM,
      ttlSeconds: 600,
    });
  }

  it('starts from the template on an empty DATA_DIR and keeps its writes across a restart', async () => {
    const dataDir = join(folder, 'fresh');
    const first = await start(dataDir);
    expect(first.service.output()).toContain(
      `embedded database created in ${join(dataDir, 'pgdata')} from the template`,
    );
    expect(first.service.output()).not.toContain('PGlite initialises');
    const token = tokenFor(dataDir, 'ada');
    const put = await fetch(`${first.base}${PROFILE}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(ADA),
    });
    expect(put.status).toBe(200);
    // The build made no cache for this command line (`node main.js`): the first start writes it.
    expect(await codeCache(first.service)).toMatch(/^written /);
    await stop(first.service);

    const second = await start(dataDir);
    expect(await codeCache(second.service)).toMatch(/^used /);
    expect(second.service.output()).not.toContain('embedded database created');
    expect(second.service.output()).not.toContain('PGlite initialises');
    const got = await fetch(`${second.base}${PROFILE}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(got.status).toBe(200);
    const body = (await got.json()) as { profile: Record<string, unknown> };
    expect(body.profile).toMatchObject(ADA);
    await stop(second.service);
  }, 120_000);

  it('without the template, starts all the same (PGlite runs initdb) and says why', async () => {
    rmSync(template, { recursive: true, force: true });
    const dataDir = join(folder, 'no-template');
    const { service } = await start(dataDir);
    expect(service.output()).toContain(`no template in ${template}`);
    expect(service.output()).toContain(`PGlite initialises ${join(dataDir, 'pgdata')} itself`);
    expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);
    await stop(service);
  }, 120_000);
});
