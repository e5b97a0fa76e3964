// An OAuth 2.0 Token Introspection endpoint (RFC 7662) on 127.0.0.1 that plays ZITADEL's: it
// authenticates its client either way ZITADEL does (client_secret_basic, or a private_key_jwt
// assertion verified with jose: signature, kid, iss = sub = client id, aud = the issuer, exp) and
// answers for the opaque tokens the test issued. The test can turn it hostile (a status, garbage,
// a hang, a huge answer) and counts its requests.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';

export type ClientCheck =
  | { method: 'client_secret_basic'; clientId: string; clientSecret: string }
  | { method: 'private_key_jwt'; clientId: string; keyId: string; publicKey: KeyObject };

export type IntrospectionBehaviour =
  /** answers as RFC 7662 says (after `delayMs`, when set) */
  | { kind: 'normal'; delayMs?: number }
  /** this status, with an OAuth error body */
  | { kind: 'status'; status: number }
  /** 200 with this body */
  | { kind: 'body'; body: string; contentType?: string }
  /** never answers (until the server closes) */
  | { kind: 'hang' };

export interface IntrospectionServer {
  /** http://127.0.0.1:<port>/oauth/v2/introspect */
  url: string;
  readonly requests: number;
  /** Requests whose client authentication was refused (401 invalid_client). */
  readonly refusedClients: number;
  /** The client authentication of each accepted request, in order. */
  readonly methods: readonly string[];
  /** The `jti` of every accepted client assertion, in order. */
  readonly assertionIds: readonly string[];
  /** Why the last refused client authentication was refused. */
  readonly lastRefusal: string | undefined;
  /**
   * A new opaque token, active, with ZITADEL-like claims (iss, sub, aud, exp in 300 s, iat, nbf,
   * client_id, token_type, scope) overridden by `claims` (undefined removes one).
   */
  issue(sub: string, claims?: Record<string, unknown>): string;
  /** The exact answer for a token (e.g. a JWT in the introspect-everything mode). */
  answer(token: string, body: Record<string, unknown>): void;
  /** How many requests asked about this token. */
  requestsFor(token: string): number;
  behave(behaviour: IntrospectionBehaviour): void;
  close(): Promise<void>;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export async function startIntrospectionServer(options: {
  issuer: string;
  audience: string;
  client: ClientCheck;
}): Promise<IntrospectionServer> {
  const { issuer, audience, client } = options;
  const answers = new Map<string, Record<string, unknown>>();
  const asked = new Map<string, number>();
  const methods: string[] = [];
  const assertionIds: string[] = [];
  let behaviour: IntrospectionBehaviour = { kind: 'normal' };
  let requests = 0;
  let refusedClients = 0;
  let lastRefusal: string | undefined;

  /** undefined when the client is who it must be; else why not. */
  const refusal = async (
    req: IncomingMessage,
    form: URLSearchParams,
  ): Promise<string | undefined> => {
    switch (client.method) {
      case 'client_secret_basic': {
        const header = req.headers.authorization ?? '';
        if (!header.startsWith('Basic ')) return 'no Basic authorization';
        // RFC 6749 section 2.3.1: both parts are form-urlencoded before base64.
        const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const unform = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
        const id = unform(decoded.slice(0, colon));
        const secret = unform(decoded.slice(colon + 1));
        if (colon < 0 || id !== client.clientId || secret !== client.clientSecret) {
          return 'wrong client id or secret';
        }
        return undefined;
      }
      case 'private_key_jwt': {
        if (req.headers.authorization !== undefined) return 'unexpected authorization header';
        if (form.get('client_assertion_type') !== ASSERTION_TYPE) return 'no jwt-bearer assertion';
        const assertion = form.get('client_assertion') ?? '';
        try {
          if (decodeProtectedHeader(assertion).kid !== client.keyId) return 'wrong kid';
          const { payload } = await jwtVerify(assertion, client.publicKey, {
            algorithms: ['RS256'],
            issuer: client.clientId,
            subject: client.clientId,
            audience: issuer,
            requiredClaims: ['exp', 'iat'],
          });
          const now = Math.floor(Date.now() / 1000);
          if (payload.exp! - now > 300) return 'assertion lives too long';
          const formId = form.get('client_id');
          if (formId !== null && formId !== client.clientId) return 'wrong client_id';
          assertionIds.push(String(payload.jti));
          return undefined;
        } catch (error) {
          return `bad assertion: ${(error as Error).message}`;
        }
      }
    }
  };

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests += 1;
    if (req.method !== 'POST' || !req.url?.startsWith('/oauth/v2/introspect')) {
      send(res, 404, '{"error":"not_found"}');
      return;
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const token = form.get('token') ?? '';
    asked.set(token, (asked.get(token) ?? 0) + 1);
    const current = behaviour;
    switch (current.kind) {
      case 'hang':
        return;
      case 'status':
        send(res, current.status, JSON.stringify({ error: 'server_error' }));
        return;
      case 'body':
        send(res, 200, current.body, current.contentType);
        return;
      case 'normal':
        break;
    }
    const why = await refusal(req, form);
    if (why !== undefined) {
      refusedClients += 1;
      lastRefusal = why;
      send(res, 401, JSON.stringify({ error: 'invalid_client' }));
      return;
    }
    methods.push(client.method);
    if (current.delayMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, current.delayMs));
    }
    send(res, 200, JSON.stringify(answers.get(token) ?? { active: false }));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/oauth/v2/introspect`,
    get requests() {
      return requests;
    },
    get refusedClients() {
      return refusedClients;
    },
    get methods() {
      return methods;
    },
    get assertionIds() {
      return assertionIds;
    },
    get lastRefusal() {
      return lastRefusal;
    },
    issue(sub, claims = {}) {
      const token = randomBytes(24).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const body: Record<string, unknown> = {
        active: true,
        scope: 'openid profile urn:zitadel:iam:user:resourceowner',
        client_id: 'web-app@acme',
        token_type: 'Bearer',
        exp: now + 300,
        iat: now,
        nbf: now,
        sub,
        aud: [audience, 'web-app@acme'],
        iss: issuer,
        jti: randomBytes(8).toString('hex'),
        ...claims,
      };
      for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
      answers.set(token, body);
      return token;
    },
    answer(token, body) {
      answers.set(token, body);
    },
    requestsFor(token) {
      return asked.get(token) ?? 0;
    },
    behave(next) {
      behaviour = next;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** A ZITADEL key file of an API application ("JWT" auth method), written to a temporary file. */
export function zitadelKeyFile(clientId = '78366401571920522@profile'): {
  path: string;
  clientId: string;
  keyId: string;
  publicKey: KeyObject;
  remove(): void;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = String(BigInt(`0x${randomBytes(7).toString('hex')}`));
  const path = join(mkdtempSync(join(tmpdir(), 'zitadel-key-')), 'key.json');
  writeFileSync(
    path,
    JSON.stringify({
      type: 'application',
      keyId,
      // As ZITADEL writes it: PKCS#1.
      key: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      appId: '78366403256846242',
      clientId,
    }),
  );
  return {
    path,
    clientId,
    keyId,
    publicKey,
    remove: () => rmSync(dirname(path), { recursive: true }),
  };
}
