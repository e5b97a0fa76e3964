// A small reader of Dockerfiles, enough for the checks of container.spec.ts: instructions with
// their flags, stages, exec-form arguments, ARG substitution in FROM, ENV and WORKDIR, and the
// .dockerignore rules. It refuses what it does not understand (heredocs, another escape
// character) rather than guess.
import { posix } from 'node:path';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY… */
  keyword: string;
  /** `--name=value` flags before the arguments (`--name` alone gives `''`). */
  flags: Record<string, string>;
  /** The arguments after the flags, continuation lines joined with a space. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
}

export interface Stage {
  index: number;
  /** The `AS name`, lower-case, if any. */
  name: string | undefined;
  /** The base image with the global ARGs substituted, or the name of an earlier stage. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions = readInstructions(text);
  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(/\s+/);
      const [image, as, name] = words;
      if (
        image === undefined ||
        (words.length !== 1 && (words.length !== 3 || !/^as$/i.test(as ?? '')))
      ) {
        throw new Error(`line ${instruction.line}: FROM <image> [AS <name>] expected`);
      }
      stages.push({
        index: stages.length,
        name: name?.toLowerCase(),
        from: substitute(image, globalArgs),
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage !== undefined) {
      stage.instructions.push(instruction);
    } else if (instruction.keyword === 'ARG') {
      const [name, value] = splitAssignment(instruction.args);
      globalArgs[name] = value;
    } else {
      throw new Error(`line ${instruction.line}: only ARG may come before the first FROM`);
    }
  }
  return { globalArgs, stages };
}

function readInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  let directives = true;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (directives && directive !== null) {
      if (directive[1]?.toLowerCase() === 'escape' && directive[2] !== '\\') {
        throw new Error(`escape=${directive[2]} is not supported here`);
      }
      continue;
    }
    directives = false;
    if (/^\s*(#|$)/.test(line)) continue;
    const start = i + 1;
    let joined = line;
    // A line ending in a backslash goes on; comment and empty lines inside are dropped.
    while (/\\\s*$/.test(joined)) {
      joined = joined.replace(/\s*\\\s*$/, '');
      i++;
      while (i < lines.length && /^\s*(#|$)/.test(lines[i] ?? '')) i++;
      if (i >= lines.length) break;
      joined += ` ${(lines[i] ?? '').trim()}`;
    }
    const match = /^\s*([A-Za-z]+)(?:\s+(.*))?$/.exec(joined);
    if (match === null) throw new Error(`line ${start}: not an instruction: ${line}`);
    const keyword = (match[1] ?? '').toUpperCase();
    let rest = (match[2] ?? '').trim();
    if (/<<-?["']?[A-Za-z_]/.test(rest))
      throw new Error(`line ${start}: heredocs are not supported`);
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest); flag !== null;) {
      flags[flag[1] ?? ''] = flag[2] ?? '';
      rest = rest.slice(flag[0].length);
      flag = /^--([a-z-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    }
    instructions.push({ keyword, flags, args: rest.trim(), line: start });
  }
  return instructions;
}

/** The JSON array of an exec-form RUN, CMD, ENTRYPOINT…, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(args);
  } catch {
    return undefined; // Docker runs a malformed JSON array as a shell command.
  }
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** `$NAME`, `${NAME}` and `${NAME:-default}` from the given variables (unknown: empty). */
export function substitute(text: string, vars: Record<string, string | undefined>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_all, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      const value = vars[braced ?? bare ?? ''];
      return value === undefined || value === '' ? (fallback ?? '') : value;
    },
  );
}

function splitAssignment(text: string): [string, string | undefined] {
  const eq = text.indexOf('=');
  return eq < 0
    ? [text.trim(), undefined]
    : [text.slice(0, eq).trim(), unquote(text.slice(eq + 1))];
}

function unquote(value: string): string {
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(value);
  return quoted === null ? value : (quoted[1] ?? quoted[2] ?? '');
}

/** The instructions of a stage with that keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The stage's environment: its base stage's (for FROM <stage>), then its own ENV lines. */
export function stageEnv(file: Dockerfile, stage: Stage): Record<string, string> {
  const base = baseStage(file, stage);
  const env: Record<string, string> = base === undefined ? {} : stageEnv(file, base);
  for (const instruction of instructionsOf(stage, 'ENV')) {
    const pairs = instruction.args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|\S*)/g) ?? [];
    if (pairs.length === 0) throw new Error(`line ${instruction.line}: ENV key=value expected`);
    for (const pair of pairs) {
      const [name, value] = splitAssignment(pair);
      env[name] = substitute(value ?? '', env);
    }
  }
  return env;
}

/** The stage's WORKDIR (absolute), `/` when none is set. */
export function stageWorkdir(file: Dockerfile, stage: Stage): string {
  const base = baseStage(file, stage);
  let dir = base === undefined ? '/' : stageWorkdir(file, base);
  for (const instruction of instructionsOf(stage, 'WORKDIR')) {
    dir = posix.resolve(dir, instruction.args);
  }
  return dir;
}

/** The earlier stage a stage is built FROM, if it names one. */
export function baseStage(file: Dockerfile, stage: Stage): Stage | undefined {
  return file.stages.find((s) => s.index < stage.index && s.name === stage.from.toLowerCase());
}

/** The user the stage's last USER sets (`root` when none does). */
export function stageUser(stage: Stage): string {
  return instructionsOf(stage, 'USER').at(-1)?.args.split(':')[0] ?? 'root';
}

/** Sources and destination of a COPY or ADD (shell or JSON form). */
export function copyPaths(instruction: Instruction): { sources: string[]; dest: string } {
  const words = execForm(instruction.args) ?? instruction.args.split(/\s+/);
  const dest = words.at(-1);
  if (dest === undefined || words.length < 2) {
    throw new Error(`line ${instruction.line}: ${instruction.keyword} <src>… <dest> expected`);
  }
  return { sources: words.slice(0, -1), dest };
}

/**
 * The rules of a .dockerignore: a path is left out of the build context when the last pattern
 * that matches it (or one of its parent folders) is not a `!` exception.
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exception = line.startsWith('!');
      const pattern = posix
        .normalize(line.slice(exception ? 1 : 0).trim())
        .replace(/^\/+|\/+$/g, '');
      return { exception, regex: globToRegex(pattern) };
    });
  return (path: string) => {
    const parts = posix.normalize(path).split('/');
    let ignored = false;
    for (let n = 1; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join('/');
      for (const rule of rules) if (rule.regex.test(prefix)) ignored = !rule.exception;
      if (ignored) return true;
    }
    return ignored;
  };
}

function globToRegex(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
