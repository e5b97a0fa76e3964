// The pre-initialised embedded database (src/database/pglite-template.ts), with real PGlite and
// TypeORM: a first start copies the template instead of running initdb, the data persists in the
// folder across restarts, a folder made by PGlite's own initdb (every earlier version) still
// opens, and a template that is missing or damaged is not used (PGlite runs initdb instead).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { createPgliteDriver } from '../../src/database/pglite-pool.js';
import { initialisePglite, PGLITE_SETTINGS } from '../../src/database/pglite-settings.js';
import {
  checkTemplate,
  countFiles,
  embeddedDataDir,
  prepareDataDir,
  type PreparedDataDir,
  pgliteVersion,
  startPreparing,
  TEMPLATE_DATA,
  TEMPLATE_MANIFEST,
  type TemplateManifest,
  writeTemplate,
} from '../../src/database/pglite-template.js';

@Entity('note')
class Note {
  @PrimaryColumn('text')
  id!: string;

  @Column('text')
  body!: string;
}

interface Opened {
  dataSource: DataSource;
  prepared: PreparedDataDir[];
}

async function open(pgdata: string, template: string | undefined): Promise<Opened> {
  const prepared: PreparedDataDir[] = [];
  const dataSource = new DataSource({
    type: 'postgres',
    driver: createPgliteDriver({
      dataDir: pgdata,
      template,
      onPrepared: (_dir, how) => prepared.push(how),
    }),
    entities: [Note],
    synchronize: true,
    logging: false,
  });
  await dataSource.initialize();
  return { dataSource, prepared };
}

async function setting(dataSource: DataSource, name: string): Promise<string> {
  const rows: { setting: string; unit: string | null }[] = await dataSource.query(
    'SELECT setting, unit FROM pg_settings WHERE name = $1',
    [name],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`no setting ${name}`);
  return `${row.setting} ${row.unit ?? ''}`.trim();
}

function manifestOf(templateDir: string): TemplateManifest {
  return JSON.parse(readFileSync(join(templateDir, TEMPLATE_MANIFEST), 'utf8')) as TemplateManifest;
}

describe('the pre-initialised embedded database', () => {
  let folder: string;
  let template: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'pglite-template-'));
    template = join(folder, 'template');
    await writeTemplate(template, initialisePglite);
  }, 120_000);

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('is a closed PGlite data folder with a manifest that describes it', () => {
    const manifest = manifestOf(template);
    expect(manifest.pglite).toBe(pgliteVersion());
    expect(manifest.files).toBeGreaterThan(100);
    expect(countFiles(join(template, TEMPLATE_DATA))).toEqual({
      files: manifest.files,
      bytes: manifest.bytes,
    });
    expect(readFileSync(join(template, TEMPLATE_DATA, 'PG_VERSION'), 'utf8').trim()).toMatch(
      /^\d+$/,
    );
    expect(checkTemplate(template)).toEqual(manifest);
    // Made beside the target and renamed into place: nothing else is left.
    expect(readdirSync(folder)).toEqual(['template']);
  });

  it('makes a fresh data folder from the template, and a restart opens it with the data kept', async () => {
    const pgdata = join(folder, 'fresh', 'data', 'pgdata');
    const first = await open(pgdata, template);
    expect(first.prepared).toEqual([{ origin: 'template' }]);
    // The service's settings apply (initdb wrote 128MB into postgresql.conf).
    expect(PGLITE_SETTINGS).toContain('shared_buffers=16MB');
    expect(await setting(first.dataSource, 'shared_buffers')).toBe('2048 8kB');
    await first.dataSource.getRepository(Note).insert({ id: 'a', body: 'kept' });
    await first.dataSource.destroy();
    // No copy left beside the folder.
    expect(readdirSync(join(folder, 'fresh', 'data'))).toEqual(['pgdata']);

    const second = await open(pgdata, template);
    try {
      expect(second.prepared).toEqual([{ origin: 'existing' }]);
      expect(await second.dataSource.getRepository(Note).find()).toEqual([
        { id: 'a', body: 'kept' },
      ]);
    } finally {
      await second.dataSource.destroy();
    }
    // The writes went to the copy: the template is as its manifest says.
    const manifest = manifestOf(template);
    expect(countFiles(join(template, TEMPLATE_DATA))).toEqual({
      files: manifest.files,
      bytes: manifest.bytes,
    });
  });

  it('opens a data folder made by PGlite itself, as every earlier version made it', async () => {
    const pgdata = join(folder, 'older', 'pgdata');
    mkdirSync(join(folder, 'older'));
    // What earlier versions ran on a first start: PGlite's own initdb, default settings.
    const older = new PGlite(pgdata);
    await older.exec(
      "CREATE TABLE note (id text PRIMARY KEY, body text NOT NULL); INSERT INTO note VALUES ('old', 'from before')",
    );
    await older.close();

    const reopened = await open(pgdata, template);
    try {
      expect(reopened.prepared).toEqual([{ origin: 'existing' }]);
      expect(await reopened.dataSource.getRepository(Note).find()).toEqual([
        { id: 'old', body: 'from before' },
      ]);
      expect(await setting(reopened.dataSource, 'shared_buffers')).toBe('2048 8kB');
    } finally {
      await reopened.dataSource.destroy();
    }
  }, 60_000);

  it('without a template, says so and lets PGlite run initdb: the database works all the same', async () => {
    const pgdata = join(folder, 'no-template', 'pgdata');
    const missing = join(folder, 'never-built');
    const opened = await open(pgdata, missing);
    try {
      expect(opened.prepared).toEqual([
        {
          origin: 'initdb',
          reason: `no template in ${missing} (\`npm run build\` makes it)`,
        },
      ]);
      await opened.dataSource.getRepository(Note).insert({ id: 'b', body: 'initdb' });
      expect(await opened.dataSource.getRepository(Note).count()).toBe(1);
    } finally {
      await opened.dataSource.destroy();
    }
    expect(existsSync(join(pgdata, 'PG_VERSION'))).toBe(true);
  }, 60_000);

  describe('a template that cannot be used', () => {
    let damaged: string;

    /** A copy of the good template, changed by `spoil`. */
    async function spoiled(name: string, spoil: (dir: string) => void): Promise<string> {
      const dir = join(folder, name);
      await prepareDataDir(join(dir, TEMPLATE_DATA), template);
      writeFileSync(join(dir, TEMPLATE_MANIFEST), JSON.stringify(manifestOf(template)));
      spoil(dir);
      return dir;
    }

    function expectUntouched(pgdata: string): void {
      expect(existsSync(pgdata)).toBe(false);
      // Neither the folder nor a partial copy beside it.
      expect(readdirSync(join(pgdata, '..'))).toEqual([]);
    }

    beforeEach(() => {
      damaged = mkdtempSync(join(folder, 'target-'));
    });

    it('is not used while its manifest is missing (its making was interrupted)', async () => {
      const dir = await spoiled('no-manifest', (d) => rmSync(join(d, TEMPLATE_MANIFEST)));
      const pgdata = join(damaged, 'pgdata');
      expect(await prepareDataDir(pgdata, dir)).toEqual({
        origin: 'initdb',
        reason: `no template in ${dir} (\`npm run build\` makes it)`,
      });
      expectUntouched(pgdata);
    });

    it('is not used when another PGlite version made it', async () => {
      const dir = await spoiled('other-version', (d) =>
        writeFileSync(
          join(d, TEMPLATE_MANIFEST),
          JSON.stringify({ ...manifestOf(template), pglite: '0.0.1' }),
        ),
      );
      const pgdata = join(damaged, 'pgdata');
      const prepared = await prepareDataDir(pgdata, dir);
      expect(prepared.origin).toBe('initdb');
      expect(prepared.reason).toBe(
        `the template in ${dir} was made by PGlite 0.0.1, this is PGlite ${pgliteVersion()}: run \`npm run build\` again`,
      );
      expectUntouched(pgdata);
    });

    it('is not used when its manifest is not JSON of this format', async () => {
      const dir = await spoiled('bad-manifest', (d) =>
        writeFileSync(join(d, TEMPLATE_MANIFEST), '{"format": 99}'),
      );
      const pgdata = join(damaged, 'pgdata');
      expect((await prepareDataDir(pgdata, dir)).reason).toMatch(/is not one this version writes/);
      expectUntouched(pgdata);
    });

    it('is not used when a file of it is missing: the copy is thrown away', async () => {
      const dir = await spoiled('missing-file', (d) =>
        rmSync(join(d, TEMPLATE_DATA, 'global', 'pg_control')),
      );
      const pgdata = join(damaged, 'pgdata');
      const prepared = await prepareDataDir(pgdata, dir);
      expect(prepared.origin).toBe('initdb');
      expect(prepared.reason).toMatch(
        new RegExp(`^the template in ${dir} does not match its manifest \\(\\d+ files`),
      );
      expectUntouched(pgdata);
    });

    it('is not used when a file of it was cut short', async () => {
      const dir = await spoiled('short-file', (d) => {
        const file = join(d, TEMPLATE_DATA, 'global', 'pg_control');
        writeFileSync(file, readFileSync(file).subarray(0, 100));
      });
      const pgdata = join(damaged, 'pgdata');
      expect((await prepareDataDir(pgdata, dir)).reason).toMatch(/does not match its manifest/);
      expectUntouched(pgdata);
    });
  });

  it('hands a preparation started early (as main.ts does) to the driver, errors included', async () => {
    const dataDir = join(folder, 'early');
    const timeouts = { connectTimeoutMs: 5000, queryTimeoutMs: 10_000 };
    startPreparing({ kind: 'embedded', dataDir, ...timeouts }, template);
    // Started twice (two data sources, say): one copy.
    startPreparing({ kind: 'embedded', dataDir, ...timeouts }, template);
    const opened = await open(embeddedDataDir(dataDir), template);
    try {
      // The driver reports how the early preparation made the folder, not "existing".
      expect(opened.prepared).toEqual([{ origin: 'template' }]);
      expect(readdirSync(dataDir)).toEqual(['pgdata']);
    } finally {
      await opened.dataSource.destroy();
    }

    const file = join(folder, 'early-file');
    writeFileSync(file, '');
    startPreparing({ kind: 'embedded', dataDir: file, ...timeouts }, template);
    await expect(open(embeddedDataDir(file), template)).rejects.toThrow(
      `cannot make the embedded database in ${embeddedDataDir(file)}`,
    );
    // Nothing to do on PostgreSQL.
    startPreparing({ kind: 'postgres', url: 'postgres://127.0.0.1:1/none', ...timeouts }, template);
  });

  it('removes the copy left by a start that stopped before renaming it into place', async () => {
    const parent = mkdtempSync(join(folder, 'interrupted-'));
    const pgdata = join(parent, 'pgdata');
    mkdirSync(join(parent, 'pgdata.partial-0badc0de', 'base'), { recursive: true });
    writeFileSync(join(parent, 'pgdata.partial-0badc0de', 'PG_VERSION'), '18\n');
    writeFileSync(join(parent, 'dev-signing-key.pem'), 'not touched');
    expect(await prepareDataDir(pgdata, template)).toEqual({ origin: 'template' });
    expect(readdirSync(parent).sort()).toEqual(['dev-signing-key.pem', 'pgdata']);
  });

  it('fills an empty data folder, but leaves one with other files to PGlite', async () => {
    const parent = mkdtempSync(join(folder, 'folders-'));
    const empty = join(parent, 'empty');
    mkdirSync(empty);
    expect(await prepareDataDir(empty, template)).toEqual({ origin: 'template' });
    expect(existsSync(join(empty, 'PG_VERSION'))).toBe(true);

    const cluttered = join(parent, 'cluttered');
    mkdirSync(cluttered);
    writeFileSync(join(cluttered, 'notes.txt'), 'mine');
    expect(await prepareDataDir(cluttered, template)).toEqual({
      origin: 'initdb',
      reason: `${cluttered} is not empty but holds no database`,
    });
    expect(readdirSync(cluttered)).toEqual(['notes.txt']);
  });

  it('fails with the folder named when the data folder cannot be made', async () => {
    const file = join(folder, 'a-file');
    writeFileSync(file, '');
    const pgdata = join(file, 'pgdata');
    await expect(prepareDataDir(pgdata, template)).rejects.toThrow(
      new RegExp(
        `^cannot make the embedded database in ${pgdata} from the template in ${template}: .*(EEXIST|ENOTDIR)`,
      ),
    );
  });

  it('fails with the folders named when the copy fails, and leaves no partial copy', async () => {
    const parent = mkdtempSync(join(folder, 'copy-fails-'));
    const odd = join(parent, 'template');
    await prepareDataDir(join(odd, TEMPLATE_DATA), template);
    writeFileSync(join(odd, TEMPLATE_MANIFEST), JSON.stringify(manifestOf(template)));
    // A named pipe in the template: the copy refuses it.
    const pipe = join(odd, TEMPLATE_DATA, 'base', 'pipe');
    execFileSync('mkfifo', [pipe]);
    const pgdata = join(parent, 'data', 'pgdata');
    await expect(prepareDataDir(pgdata, odd)).rejects.toThrow(
      `cannot make the embedded database in ${pgdata} from the template in ${odd}: ${pipe} is neither a file nor a folder`,
    );
    expect(readdirSync(join(parent, 'data'))).toEqual([]);
  });

  it('leaves no template, and no partial one, when its making fails', async () => {
    const target = join(folder, 'failed-template');
    await expect(
      writeTemplate(target, (pgdata) => {
        mkdirSync(pgdata);
        writeFileSync(join(pgdata, 'half'), '');
        return Promise.reject(new Error('initdb stopped'));
      }),
    ).rejects.toThrow('initdb stopped');
    await expect(
      writeTemplate(target, (pgdata) => Promise.resolve(mkdirSync(pgdata))),
    ).rejects.toThrow(/left no PG_VERSION/);
    expect(readdirSync(folder).filter((name) => name.startsWith('failed-template'))).toEqual([]);
  });
});
