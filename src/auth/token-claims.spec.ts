import {
  callerFromClaims,
  type ClaimRules,
  CLOCK_TOLERANCE_SECONDS,
  InvalidClaimsError,
  MAX_SUBJECT_LENGTH,
} from './token-claims.js';

const NOW = 1_800_000_000;
const RULES: ClaimRules = {
  issuer: 'https://issuer.test',
  audience: 'profile-service',
  resourceOwnerClaim: 'urn:zitadel:iam:user:resourceowner:id',
  defaultResourceOwner: 'default-org',
};

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: RULES.issuer,
    aud: RULES.audience,
    sub: 'alice',
    iat: NOW,
    exp: NOW + 300,
    ...overrides,
  };
}

/** The reason callerFromClaims refuses these claims with; fails when it accepts them. */
function refusal(input: Record<string, unknown>, rules: ClaimRules = RULES): string {
  try {
    callerFromClaims(input, rules, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidClaimsError);
    return (error as Error).message;
  }
  throw new Error('expected the claims to be refused');
}

describe('callerFromClaims', () => {
  it('names the subject and the resource owner of the claim, or the default', () => {
    expect(callerFromClaims(claims(), RULES, NOW)).toEqual({
      subject: 'alice',
      resourceOwner: 'default-org',
    });
    expect(callerFromClaims(claims({ [RULES.resourceOwnerClaim]: 'org-42' }), RULES, NOW)).toEqual({
      subject: 'alice',
      resourceOwner: 'org-42',
    });
    // An empty or non-string claim is no organisation.
    for (const value of ['', '  ', 42, null]) {
      expect(
        callerFromClaims(claims({ [RULES.resourceOwnerClaim]: value }), RULES, NOW).resourceOwner,
      ).toBe('default-org');
    }
    const custom = { ...RULES, resourceOwnerClaim: 'org', defaultResourceOwner: 'fallback' };
    expect(callerFromClaims(claims({ org: 'acme' }), custom, NOW).resourceOwner).toBe('acme');
    expect(callerFromClaims(claims(), custom, NOW).resourceOwner).toBe('fallback');
  });

  it('requires a numeric exp that has not passed, beyond the tolerance', () => {
    expect(refusal(claims({ exp: undefined }))).toBe('exp is missing');
    expect(refusal(claims({ exp: NOW - CLOCK_TOLERANCE_SECONDS }))).toBe('token expired');
    expect(
      callerFromClaims(claims({ exp: NOW - CLOCK_TOLERANCE_SECONDS + 1 }), RULES, NOW),
    ).toEqual(expect.objectContaining({ subject: 'alice' }));
  });

  it.each(['exp', 'nbf', 'iat', 'auth_time'])(
    'refuses %s when it is not a finite number',
    (name) => {
      for (const value of [String(NOW + 300), null, true, [NOW], { n: NOW }, Infinity, NaN]) {
        expect(refusal(claims({ [name]: value }))).toBe(`${name} is not a number`);
      }
    },
  );

  it('refuses nbf and iat in the future beyond the tolerance, and takes them within it', () => {
    const edge = NOW + CLOCK_TOLERANCE_SECONDS;
    expect(refusal(claims({ nbf: edge + 1 }))).toBe('token not valid yet (nbf)');
    expect(refusal(claims({ iat: edge + 1 }))).toBe('token issued in the future (iat)');
    expect(refusal(claims({ iat: NOW + 86_400 }))).toBe('token issued in the future (iat)');
    expect(callerFromClaims(claims({ nbf: edge, iat: edge }), RULES, NOW).subject).toBe('alice');
    // Both are optional.
    expect(callerFromClaims(claims({ iat: undefined }), RULES, NOW).subject).toBe('alice');
  });

  it('requires the configured issuer', () => {
    for (const iss of [
      'https://evil.test',
      undefined,
      'https://issuer.test/',
      ['https://issuer.test'],
    ]) {
      expect(refusal(claims({ iss }))).toBe('iss is not the expected issuer');
    }
  });

  it('requires the configured audience in aud (a string or an array), when one is configured', () => {
    expect(
      callerFromClaims(claims({ aud: ['other', 'profile-service'] }), RULES, NOW).subject,
    ).toBe('alice');
    for (const aud of ['other', ['other'], undefined, [], 42, { 'profile-service': true }]) {
      expect(refusal(claims({ aud }))).toBe('aud does not contain the expected audience');
    }
    const anyAudience = { ...RULES, audience: undefined };
    expect(callerFromClaims(claims({ aud: undefined }), anyAudience, NOW).subject).toBe('alice');
  });

  it('requires a non-empty sub of at most 255 code points', () => {
    for (const sub of [undefined, '', '   ', 42, ['alice']]) {
      expect(refusal(claims({ sub }))).toBe('sub is missing or empty');
    }
    // 255 astral characters are 510 UTF-16 units, and still 255 characters.
    const astral = '😀'.repeat(MAX_SUBJECT_LENGTH);
    expect(callerFromClaims(claims({ sub: astral }), RULES, NOW).subject).toBe(astral);
    expect(callerFromClaims(claims({ sub: 'a'.repeat(255) }), RULES, NOW).subject).toHaveLength(
      255,
    );
    expect(refusal(claims({ sub: 'a'.repeat(256) }))).toBe('sub is longer than 255 characters');
    expect(refusal(claims({ sub: `${astral}a` }))).toBe('sub is longer than 255 characters');
    expect(refusal(claims({ sub: 'x'.repeat(10_000) }))).toBe('sub is longer than 255 characters');
  });

  it('refuses NUL and lone surrogates, which PostgreSQL text cannot hold as given', () => {
    expect(refusal(claims({ sub: 'a\u0000b' }))).toBe('sub contains NUL or a lone surrogate');
    expect(refusal(claims({ sub: 'a\ud800b' }))).toBe('sub contains NUL or a lone surrogate');
    expect(refusal(claims({ [RULES.resourceOwnerClaim]: 'org\u0000' }))).toBe(
      'resource owner contains NUL or a lone surrogate',
    );
    expect(refusal(claims({ [RULES.resourceOwnerClaim]: '\udc00' }))).toBe(
      'resource owner contains NUL or a lone surrogate',
    );
  });

  it('never puts a claim value in its reason', () => {
    const secretish = 'value-that-must-not-be-logged';
    for (const overrides of [
      { iss: secretish },
      { aud: secretish },
      { sub: `${secretish}${'x'.repeat(300)}` },
      { exp: secretish },
    ]) {
      expect(refusal(claims(overrides))).not.toContain(secretish);
    }
  });
});
