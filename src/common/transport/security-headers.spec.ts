import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { securityHeaders } from './security-headers.js';

/** A real, unsent Node response, already carrying Express's x-powered-by, as Express leaves it. */
function response(): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  res.setHeader('X-Powered-By', 'Express');
  return res;
}

function run(
  middleware: (req: Request, res: Response, next: NextFunction) => void,
  path: string,
): Record<string, unknown> {
  const res = response();
  let nextCalls = 0;
  middleware({ path } as Request, res as Response, () => nextCalls++);
  expect(nextCalls).toBe(1);
  return res.getHeaders();
}

describe('securityHeaders', () => {
  const headers = securityHeaders();

  it("sets on API answers exactly what helmet sets, its CSP the service's own", () => {
    const fromHelmet = run(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
        },
      }),
      '/auth/v1/users/me/profile',
    );
    const ours = run(headers, '/auth/v1/users/me/profile');
    expect(ours).toEqual(fromHelmet);
    expect(ours['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(ours['x-content-type-options']).toBe('nosniff');
    expect(ours).not.toHaveProperty('x-powered-by');
  });

  it("sets on /docs what helmet sets without a CSP (Swagger UI's page has its own scripts)", () => {
    const fromHelmet = run(helmet({ contentSecurityPolicy: false }), '/docs/');
    for (const path of ['/docs', '/docs/', '/docs/swagger-ui.css']) {
      const ours = run(headers, path);
      expect(ours).toEqual(fromHelmet);
      expect(ours).not.toHaveProperty('content-security-policy');
      expect(ours).not.toHaveProperty('x-powered-by');
    }
  });

  it('gives each answer its own headers: a header one answer changed is not on the next', () => {
    const first = response();
    headers({ path: '/healthz' } as Request, first as Response, () => undefined);
    first.setHeader('X-Frame-Options', 'changed');
    expect(run(headers, '/healthz')['x-frame-options']).toBe('SAMEORIGIN');
  });
});
