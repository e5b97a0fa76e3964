import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

type Middleware = (req: Request, res: Response, next: NextFunction) => void;

/** What a middleware does to a response's headers: set one (name and value) or remove one. */
type HeaderStep = readonly [name: string, value: string] | readonly [name: string];

/**
 * The usual security headers on every HTTP answer (contract section 8), by helmet: no
 * x-powered-by, `x-content-type-options: nosniff`, and so on; a Content-Security-Policy that lets
 * an answer load nothing at all (`default-src 'none'`: the API answers JSON and gRPC-web, never a
 * page), except on `/docs`, Swagger UI's page, which has its own scripts and styles.
 *
 * helmet's headers are the same on every answer (no directive here depends on the request), so
 * each helmet middleware is run once, here, on a response that records what it does, and every
 * answer gets that list: helmet's thirteen steps per call cost a REST GET about a tenth of its
 * instructions (docs/performance.md). security-headers.spec.ts checks that the list is what
 * helmet itself sets.
 */
export function securityHeaders(): Middleware {
  const api = stepsOf(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
    }),
  );
  const docs = stepsOf(helmet({ contentSecurityPolicy: false }));
  return (req, res, next) => {
    apply(req.path === '/docs' || req.path.startsWith('/docs/') ? docs : api, res);
    next();
  };
}

function apply(steps: readonly HeaderStep[], res: Response): void {
  for (const [name, value] of steps) {
    if (value === undefined) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}

/** The header steps of a middleware that sets the same headers on every answer, in its order. */
function stepsOf(middleware: Middleware): HeaderStep[] {
  const steps: HeaderStep[] = [];
  let finished = false;
  let failure: unknown;
  const recorder = {
    setHeader(name: string, value: unknown) {
      steps.push([name, String(value)]);
      return recorder;
    },
    removeHeader(name: string) {
      steps.push([name]);
    },
  };
  middleware({} as Request, recorder as unknown as Response, (error?: unknown) => {
    finished = true;
    failure = error;
  });
  // A middleware that waits, fails or answers by itself is not one whose steps can be replayed.
  if (!finished || failure !== undefined) {
    throw new Error('the security headers middleware did not go on at once', { cause: failure });
  }
  return steps;
}
