// The HTTP server makes each request and response with the prototypes Express gives them
// (ProtoJsonExpressAdapter.initHttpServer), so that Express's per-call setPrototypeOf changes
// nothing: set per call, it gave every request object a V8 map of its own, and every property
// access on it missed its inline cache (docs/performance.md). This fails if Nest stops creating
// the server through the adapter, or Express its prototypes as app.request and app.response.
import { IncomingMessage, type Server, ServerResponse } from 'node:http';
import { startTestApp, type TestApp } from '../support/app.js';
import { http } from '../support/http.js';

describe('the HTTP server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
  });

  it("makes requests and responses with Express's prototypes, before Express sees them", async () => {
    const express = t.app.getHttpAdapter().getInstance() as unknown as {
      request: IncomingMessage;
      response: ServerResponse;
    };
    const server: Server = t.app.getHttpServer();
    const seen: [object | null, object | null][] = [];
    // Before Express's own listener, which sets them.
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      seen.push([Object.getPrototypeOf(req) as object, Object.getPrototypeOf(res) as object]);
    };
    server.prependListener('request', listener);
    try {
      const { sub, token } = await t.subject('http-objects');
      expect(sub).toMatch(/^http-objects/);
      const res = await http(t.baseUrl, 'GET', '/auth/v1/users/me/profile', { token });
      expect(res.status).toBe(404); // no profile yet: the call went all the way through
      expect((await http(t.baseUrl, 'GET', '/healthz')).status).toBe(200);
    } finally {
      server.removeListener('request', listener);
    }
    expect(seen).toEqual([
      [express.request, express.response],
      [express.request, express.response],
    ]);
  });

  it("keeps Express's prototypes what they were, as the prototypes of subclasses of Node's", () => {
    const express = t.app.getHttpAdapter().getInstance() as unknown as {
      request: IncomingMessage & { app: unknown };
      response: ServerResponse & { app: unknown };
    };
    // Express's own methods and its `app` are still there (req.get, res.status, req.app).
    expect(express.request.app).toBe(express);
    expect(express.response.app).toBe(express);
    expect(typeof (express.request as unknown as { get: unknown }).get).toBe('function');
    expect(typeof (express.response as unknown as { status: unknown }).status).toBe('function');
    // The server's classes are subclasses of Node's (so V8 sizes their objects as Node's: see
    // ProtoJsonExpressAdapter), and those prototypes are theirs.
    const { constructor: Request } = express.request;
    const { constructor: Response } = express.response;
    expect(Object.getPrototypeOf(Request)).toBe(IncomingMessage);
    expect(Object.getPrototypeOf(Response)).toBe(ServerResponse);
    expect(Request.prototype).toBe(express.request);
    expect(Response.prototype).toBe(express.response);
  });
});
