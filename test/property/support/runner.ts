// How the property tests run: a fixed seed by default, so that CI replays the same cases and a
// failure can be replayed exactly; FC_SEED to choose another one (or `random` to explore), and
// FC_RUNS_FACTOR to scale every property's number of runs. fast-check prints the seed and the
// path of the shrunk counterexample in the failure message; replay with FC_SEED=<seed>.
import { type Parameters } from 'fast-check';

/** The seed of a plain `npm test`: a constant, so CI is reproducible. */
export const DEFAULT_SEED = 20261201;

function seedFromEnv(): number {
  const raw = process.env.FC_SEED?.trim();
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') {
    const seed = (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
    // Printed at once, not only on failure, so an exploring run can be replayed as a whole.
    process.stdout.write(`property tests: FC_SEED=${seed}\n`);
    return seed;
  }
  if (!/^-?\d+$/.test(raw)) throw new Error(`FC_SEED must be an integer or "random", got ${raw}`);
  return Number(raw) | 0;
}

function factorFromEnv(): number {
  const raw = process.env.FC_RUNS_FACTOR?.trim();
  if (raw === undefined || raw === '') return 1;
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor <= 0) {
    throw new Error(`FC_RUNS_FACTOR must be a positive number, got ${raw}`);
  }
  return factor;
}

export const SEED = seedFromEnv();

/**
 * FC_FINDINGS=1 lifts the narrowings that keep the suite green around known findings of the
 * service (docs/reliability.md): the arbitraries then also produce the inputs that break the
 * contract today, and the properties that found them fail again, showing each finding.
 */
export const FINDINGS = process.env.FC_FINDINGS === '1';
const RUNS_FACTOR = factorFromEnv();

/** Jest's timeout for one property: its runs plus the shrinking of a failure. */
export const PROPERTY_TIMEOUT_MS = 120_000 * Math.max(1, RUNS_FACTOR);

/**
 * The parameters of one property. A property whose runs do not finish in time fails (instead of
 * passing on fewer runs): `interruptAfterTimeLimit` stops it before Jest's timeout would, so that
 * the seed and the counterexample found so far are still printed.
 */
export function runs<T>(numRuns: number): Parameters<T> {
  return {
    numRuns: Math.max(1, Math.round(numRuns * RUNS_FACTOR)),
    seed: SEED,
    interruptAfterTimeLimit: PROPERTY_TIMEOUT_MS - 15_000,
    markInterruptAsFailure: true,
  };
}

/** `promise`, or a rejection naming `what` once `ms` have passed: no wait in a property is unbounded. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
