import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type DatabaseConfig } from '../config/config.js';

/**
 * A pre-initialised PGlite data folder, made once at build time (`npm run build` runs
 * `node dist/cli/pglite-template.js`), copied into DATA_DIR on a first start instead of running
 * PGlite's initdb there. initdb is most of a first start: a second PGlite instance plus the initdb
 * WebAssembly module, ~3 s and ~500 MB of peak RSS on the benchmark machine
 * (docs/performance.md, "Embedded database: start and memory").
 *
 * Layout: `<template>/pgdata/` is the data folder exactly as PGlite leaves it after initdb and a
 * clean close; `<template>/manifest.json` is written last and describes it, so a template whose
 * making was interrupted has no manifest and is never used.
 */

/** The data folder inside a template. */
export const TEMPLATE_DATA = 'pgdata';
/** Written last: what made the template and what it holds. */
export const TEMPLATE_MANIFEST = 'manifest.json';
const MANIFEST_FORMAT = 1;

export interface TemplateManifest {
  format: number;
  /** The @electric-sql/pglite version that ran initdb: another version may not read the files. */
  pglite: string;
  /** Regular files in `pgdata/` and their total size in bytes (a copy is checked against them). */
  files: number;
  bytes: number;
}

/** Where the build puts the template: `dist/pglite-template`, beside `dist/database/`. */
export function defaultTemplateDir(): string {
  return fileURLToPath(new URL('../pglite-template', import.meta.url));
}

/** The installed @electric-sql/pglite version (from its package.json). */
export function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  // The package exports no package.json; its entry point is `<package>/dist/index.cjs`.
  const entry = require.resolve('@electric-sql/pglite');
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    name?: unknown;
    version?: unknown;
  };
  if (manifest.name !== '@electric-sql/pglite' || typeof manifest.version !== 'string') {
    throw new Error(`cannot read the version of @electric-sql/pglite next to ${entry}`);
  }
  return manifest.version;
}

/** How a data folder came to be opened. */
export type DataDirOrigin =
  /** It held a database already (PG_VERSION present): opened as it is. */
  | 'existing'
  /** Made now, as a copy of the template. */
  | 'template'
  /** No usable template (or a folder PGlite must initialise itself): PGlite runs initdb. */
  | 'initdb';

export interface PreparedDataDir {
  origin: DataDirOrigin;
  /** Why the template was not used, when `origin` is 'initdb' and a template was configured. */
  reason?: string;
}

/** The embedded database's folder inside DATA_DIR. */
export function embeddedDataDir(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

/**
 * Makes `pgdata` ready for PGlite, before PGlite starts: when it holds no database yet, the
 * template is copied into a sibling folder and renamed into place, so an interrupted first start
 * leaves either no database or a whole one (and the leftovers of the copy are removed at the next
 * start). A template that is missing, incomplete, from another PGlite version or does not match
 * its manifest is not used: PGlite then runs initdb as it would without one (slower, same
 * result), and `reason` says why. Errors writing DATA_DIR are thrown. The copy runs in a worker
 * thread, so that it can go on while the application loads (startPreparing).
 */
export async function prepareDataDir(
  pgdata: string,
  templateDir: string | undefined,
): Promise<PreparedDataDir> {
  try {
    return await prepare(pgdata, templateDir);
  } catch (error) {
    // Not `instanceof Error`: an error from the copy's worker may come from another realm.
    const message =
      typeof (error as { message?: unknown } | null)?.message === 'string'
        ? (error as { message: string }).message
        : String(error);
    throw new Error(
      `cannot make the embedded database in ${pgdata}` +
        (templateDir === undefined ? '' : ` from the template in ${templateDir}`) +
        `: ${message}`,
      { cause: error },
    );
  }
}

const started = new Map<string, Promise<PreparedDataDir>>();

/**
 * Starts preparing the embedded database's folder now (server.ts calls this before it loads the
 * application, so that a first start copies the template while the modules load); the driver
 * takes the result when it starts PGlite (takePrepared). Nothing to do with DATABASE_URL.
 */
export function startPreparing(db: DatabaseConfig, templateDir = defaultTemplateDir()): void {
  if (db.kind !== 'embedded') return;
  const pgdata = embeddedDataDir(db.dataDir);
  if (started.has(pgdata)) return;
  const preparing = prepareDataDir(pgdata, templateDir);
  // A failure is reported by the driver, which takes this promise.
  preparing.catch(() => undefined);
  started.set(pgdata, preparing);
}

/** The preparation started for `pgdata` (once), or a new one. */
export function takePrepared(
  pgdata: string,
  templateDir: string | undefined,
): Promise<PreparedDataDir> {
  const preparing = started.get(pgdata);
  if (preparing === undefined) return prepareDataDir(pgdata, templateDir);
  started.delete(pgdata);
  return preparing;
}

async function prepare(pgdata: string, templateDir: string | undefined): Promise<PreparedDataDir> {
  if (existsSync(join(pgdata, 'PG_VERSION'))) return { origin: 'existing' };
  mkdirSync(dirname(pgdata), { recursive: true });
  removeLeftovers(pgdata);
  if (templateDir === undefined) return { origin: 'initdb' };
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) {
    // Not made by this code (it renames whole folders into place): files of something else, or
    // of an initdb interrupted under an older version. PGlite deals with it as it always did.
    return { origin: 'initdb', reason: `${pgdata} is not empty but holds no database` };
  }
  const checked = checkTemplate(templateDir);
  if (typeof checked === 'string') return { origin: 'initdb', reason: checked };

  const partial = `${pgdata}${PARTIAL_MARK}${randomBytes(4).toString('hex')}`;
  try {
    await copyTree(join(templateDir, TEMPLATE_DATA), partial);
    const copied = countFiles(partial);
    if (copied.files !== checked.files || copied.bytes !== checked.bytes) {
      return {
        origin: 'initdb',
        reason:
          `the template in ${templateDir} does not match its manifest ` +
          `(${copied.files} files, ${copied.bytes} bytes; the manifest says ` +
          `${checked.files} files, ${checked.bytes} bytes): run \`npm run build\` again`,
      };
    }
    // An empty folder (made by hand, or by PGlite's NodeFS) is replaced.
    if (existsSync(pgdata)) rmSync(pgdata, { recursive: true });
    renameSync(partial, pgdata);
    return { origin: 'template' };
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

// CommonJS, evaluated by the worker: the copy, synchronous there. A template holds folders and
// regular files only (what initdb makes); anything else is refused, not copied.
const COPY_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
function copy(from, to) {
  fs.mkdirSync(to);
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copy(source, target);
    else if (entry.isFile()) fs.copyFileSync(source, target, fs.constants.COPYFILE_EXCL);
    else throw new Error(source + ' is neither a file nor a folder');
  }
}
copy(workerData.from, workerData.to);
`;

/**
 * Copies a folder in a worker thread of its own, which ends with the copy. Creating files is the
 * cost here (~1 ms each on the benchmark machine, ~970 of them): on the main thread, even
 * asynchronously, the copy waited for the module loading to let it go on; in a worker it runs
 * beside it, on the other core.
 */
function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(COPY_SOURCE, { eval: true, workerData: { from, to } });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`the copy of ${from} stopped (exit code ${code})`));
    });
  });
}

const PARTIAL_MARK = '.partial-';

/** Copies left by a start that stopped before renaming its copy into place. */
function removeLeftovers(pgdata: string): void {
  const prefix = `${basename(pgdata)}${PARTIAL_MARK}`;
  for (const name of readdirSync(dirname(pgdata))) {
    if (name.startsWith(prefix))
      rmSync(join(dirname(pgdata), name), { recursive: true, force: true });
  }
}

/** The template's manifest if the template can be used, else why not. */
export function checkTemplate(templateDir: string): TemplateManifest | string {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(join(templateDir, TEMPLATE_MANIFEST), 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `no template in ${templateDir} (\`npm run build\` makes it)`
      : `the template's manifest ${join(templateDir, TEMPLATE_MANIFEST)} cannot be read: ${
          error instanceof Error ? error.message : String(error)
        }`;
  }
  if (!isManifest(manifest)) {
    return `the template's manifest ${join(templateDir, TEMPLATE_MANIFEST)} is not one this version writes: run \`npm run build\` again`;
  }
  const version = pgliteVersion();
  if (manifest.pglite !== version) {
    return `the template in ${templateDir} was made by PGlite ${manifest.pglite}, this is PGlite ${version}: run \`npm run build\` again`;
  }
  if (!existsSync(join(templateDir, TEMPLATE_DATA, 'PG_VERSION'))) {
    return `the template in ${templateDir} has no ${TEMPLATE_DATA}/PG_VERSION: run \`npm run build\` again`;
  }
  return manifest;
}

function isManifest(value: unknown): value is TemplateManifest {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  return (
    m.format === MANIFEST_FORMAT &&
    typeof m.pglite === 'string' &&
    Number.isSafeInteger(m.files) &&
    Number.isSafeInteger(m.bytes)
  );
}

/** Regular files below `dir` and their total size. */
export function countFiles(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

/**
 * Makes a template in `templateDir` with `initialise(pgdata)`, which must leave a closed PGlite
 * data folder in `pgdata`: built beside the target and renamed into place with its manifest, so
 * a reader never sees half a template. An existing template there is replaced.
 */
export async function writeTemplate(
  templateDir: string,
  initialise: (pgdata: string) => Promise<void>,
): Promise<TemplateManifest> {
  const partial = `${templateDir}${PARTIAL_MARK}${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(partial, { recursive: true });
    const pgdata = join(partial, TEMPLATE_DATA);
    await initialise(pgdata);
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      throw new Error(`initialising ${pgdata} left no PG_VERSION`);
    }
    const manifest: TemplateManifest = {
      format: MANIFEST_FORMAT,
      pglite: pgliteVersion(),
      ...countFiles(pgdata),
    };
    writeFileSync(join(partial, TEMPLATE_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(templateDir, { recursive: true, force: true });
    renameSync(partial, templateDir);
    return manifest;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}
