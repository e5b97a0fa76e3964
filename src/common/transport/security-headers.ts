import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * The usual security headers on every HTTP answer (contract section 8), by helmet: no
 * x-powered-by, `x-content-type-options: nosniff`, and so on; a Content-Security-Policy that lets
 * an answer load nothing at all (`default-src 'none'`: the API answers JSON and gRPC-web, never a
 * page), except on `/docs`, Swagger UI's page, which has its own scripts and styles.
 */
export function securityHeaders(): (req: Request, res: Response, next: NextFunction) => void {
  const api = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
  });
  const docs = helmet({ contentSecurityPolicy: false });
  return (req, res, next) => {
    if (req.path === '/docs' || req.path.startsWith('/docs/')) docs(req, res, next);
    else api(req, res, next);
  };
}
