// Verified tokens are remembered (VerifiedTokenCache), but never past what a fresh check allows:
// a key removed from the JWKS ends the tokens it signed as soon as the JWKS is fetched again.
import { type JsonWebKey } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app.js';
import { TOKEN_INVALID } from '../support/http.js';
import { publishedKeys, startJwksServer, type JwksServer } from '../support/jwks-server.js';

const PROFILE = '/auth/v1/users/me/profile';

describe('verified tokens, remembered', () => {
  let t: TestApp;
  let jwks: JwksServer;
  let original: JsonWebKey[];

  beforeAll(async () => {
    jwks = await startJwksServer({ kind: 'hang' });
    t = await startTestApp({ auth: () => ({ jwksUri: jwks.url }) });
    original = await publishedKeys(t.issuer.jwksUri);
    jwks.behave({ kind: 'keys', keys: original });
  });
  afterAll(async () => {
    await t?.close();
    await jwks?.close();
  });

  const get = async (token: string) => {
    const response = await fetch(`${t.baseUrl}${PROFILE}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(6000),
    });
    return { status: response.status, body: await response.json() };
  };
  const kidOf = (token: string): string =>
    (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;

  it('ends a remembered token once its key is gone from a refreshed JWKS', async () => {
    const token = await t.issuer.mint('revoked-key-user');
    expect((await get(token)).status).toBe(404);
    expect((await get(token)).status).toBe(404);
    const fetched = jwks.requests;

    // The issuer rotates and withdraws the old key; a token of the new key makes the app fetch.
    await t.issuer.rotate();
    const revoked = kidOf(token);
    const rotated = (await publishedKeys(t.issuer.jwksUri)).filter((key) => key.kid !== revoked);
    jwks.behave({ kind: 'keys', keys: rotated });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the 1 s refetch cooldown
    const fresh = await t.issuer.mint('new-key-user');
    expect((await get(fresh)).status).toBe(404);
    expect(jwks.requests).toBe(fetched + 1);

    // The old token is verified again, against keys that no longer have its key.
    expect(await get(token)).toEqual({ status: 401, body: TOKEN_INVALID });
    expect((await get(fresh)).status).toBe(404);
  });
});
