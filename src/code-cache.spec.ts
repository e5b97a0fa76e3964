import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CODE_CACHE_DIR, cacheName, runBundle } from './code-cache.js';

describe('runBundle (V8 code cache)', () => {
  let dir: string;
  let bundle: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
    bundle = join(dir, 'service.cjs');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const source = (answer: number): string =>
    `"use strict";const path=require("node:path");` +
    `exports.answer=function answer(){return ${answer}};` +
    `exports.where=path.basename(__dirname)+"/"+path.basename(__filename);`;
  const answer = (exports: unknown): unknown => (exports as { answer(): unknown }).answer();
  const cacheFiles = (): string[] => readdirSync(join(dir, CODE_CACHE_DIR));
  // The same bundle under another name, as another process would compile it: V8 keeps what it
  // compiled by source and name, and given the same again in one process, it takes that and never
  // reads the cache.
  const copy = (name: string): string => {
    copyFileSync(bundle, join(dir, name));
    return join(dir, name);
  };

  it('runs the bundle as a CommonJS module, writes its cache once, and compiles from it next time', () => {
    writeFileSync(bundle, source(42));
    const first = runBundle(bundle);
    expect(first.codeCache.status).toBe('missing');
    expect(answer(first.exports)).toBe(42);
    expect((first.exports as { where: string }).where).toBe(`${basename(dir)}/service.cjs`);
    const written = first.codeCache.settle();
    expect(written).toMatch(/^written .*\.bin \(\d+\.\d MiB\)$/);
    expect(first.codeCache.settle()).toBe(written);
    expect(cacheFiles()).toEqual([cacheName(readFileSync(bundle))]);

    const second = runBundle(copy('again.cjs'));
    expect(second.codeCache.status).toBe('used');
    expect(answer(second.exports)).toBe(42);
    expect(second.codeCache.settle()).toBe(`used ${second.codeCache.file}`);
  });

  it('never runs the bytecode of another bundle of the same length', () => {
    writeFileSync(bundle, source(42));
    runBundle(bundle).codeCache.settle();
    writeFileSync(bundle, source(41));
    const other = runBundle(bundle);
    expect(other.codeCache.status).toBe('missing');
    expect(answer(other.exports)).toBe(41);
  });

  it('takes a damaged cache for none: the bundle runs, and the cache is written again', () => {
    writeFileSync(bundle, source(42));
    const first = runBundle(bundle);
    first.codeCache.settle();
    const size = readFileSync(first.codeCache.file).length;
    writeFileSync(first.codeCache.file, Buffer.alloc(size, 0x5a));
    const damaged = runBundle(copy('damaged.cjs'));
    expect(damaged.codeCache.status).toBe('rejected');
    expect(answer(damaged.exports)).toBe(42);
    expect(damaged.codeCache.settle()).toMatch(/^written /);
    expect(runBundle(copy('again.cjs')).codeCache.status).toBe('used');
  });

  it('runs without a cache where none can be written, and says why', () => {
    writeFileSync(bundle, source(42));
    writeFileSync(join(dir, CODE_CACHE_DIR), 'a file where the folder would be');
    const run = runBundle(bundle);
    expect(answer(run.exports)).toBe(42);
    expect(run.codeCache.settle()).toMatch(/^not written \(.+\)$/);
    expect(readdirSync(dir).sort()).toEqual([CODE_CACHE_DIR, 'service.cjs']);
  });

  it('requires the bundle as it is when source maps are on (Node maps only what it loads)', () => {
    writeFileSync(bundle, source(42));
    process.setSourceMapsEnabled(true);
    try {
      const run = runBundle(bundle);
      expect(run.codeCache.status).toBe('off');
      expect(answer(run.exports)).toBe(42);
      expect(run.codeCache.settle()).toMatch(/^off \(--enable-source-maps/);
    } finally {
      process.setSourceMapsEnabled(false);
    }
    expect(readdirSync(dir)).toEqual(['service.cjs']);
  });

  it('names a cache by Node, platform, bundle and command line (V8 refuses other flags)', () => {
    const bytes = Buffer.from(source(42));
    const name = cacheName(bytes, ['--liftoff-only']);
    expect(name).toMatch(new RegExp(`^${process.version}-${process.arch}-[0-9a-f]{32}\\.bin$`));
    expect(cacheName(bytes, ['--liftoff-only'])).toBe(name);
    expect(cacheName(bytes, [])).not.toBe(name);
    expect(cacheName(Buffer.from(source(41)), ['--liftoff-only'])).not.toBe(name);
  });
});
