// compose.yaml as Compose reads it: YAML, then the `${…}` interpolation of the Compose
// specification applied to every string from a given environment.
import { parse } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

/** Compose refused to interpolate: a `${NAME:?message}` (or `${NAME?message}`) whose NAME is unset. */
export class InterpolationError extends Error {}

/** `$$`, `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?err}`, `${NAME?err}`, `${NAME:+alt}`, `${NAME+alt}`. */
export function interpolate(text: string, env: Env): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (
      all,
      braced: string | undefined,
      colon: string | undefined,
      op: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      if (all === '$$') return '$';
      const name = braced ?? bare ?? '';
      const value = env[name];
      // With the colon, an empty value counts as unset.
      const unset = value === undefined || (colon === ':' && value === '');
      switch (op) {
        case '-':
          return unset ? (word ?? '') : value;
        case '?':
          if (unset) throw new InterpolationError(`${name}: ${word ?? ''}`);
          return value;
        case '+':
          return unset ? '' : (word ?? '');
        default:
          return value ?? '';
      }
    },
  );
}

/** Every string of a parsed YAML document, interpolated. */
export function interpolateAll(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return interpolate(value, env);
  if (Array.isArray(value)) return value.map((item) => interpolateAll(item, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateAll(item, env)]),
    );
  }
  return value;
}

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  init?: boolean;
  environment?: Record<string, string | number | null>;
  ports?: (string | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  stop_grace_period?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** compose.yaml parsed and interpolated with `env`. */
export function readCompose(text: string, env: Env): ComposeFile {
  const parsed = interpolateAll(parse(text), env) as ComposeFile;
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.services !== 'object') {
    throw new Error('compose file without services');
  }
  return parsed;
}

/** A Compose duration (`30s`, `1m30s`, `500ms`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`not a duration: ${text}`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * (units[p[2] ?? ''] ?? NaN), 0);
}

/** The container port of a `ports` entry (`"8080:8080"`, `"127.0.0.1:8080:8080/tcp"`, long form). */
export function containerPort(entry: string | { target: number }): number {
  if (typeof entry !== 'string') return entry.target;
  return Number(
    entry
      .replace(/\/(tcp|udp)$/, '')
      .split(':')
      .at(-1),
  );
}
