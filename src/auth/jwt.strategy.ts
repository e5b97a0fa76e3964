import { createPublicKey } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import { type AppConfig, type AuthConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type Caller } from './caller.js';
import { loadOrCreateDevKey } from './dev-keys.js';
import { callerFromClaims, CLOCK_TOLERANCE_SECONDS } from './token-claims.js';
import {
  checkedKeyProvider,
  jwksKeys,
  noKeys,
  staticKey,
  type VerificationKeys,
} from './verification-keys.js';

/** The `exp` (in ms) of the token each caller was verified from, for VerifiedTokenCache. */
const expiries = new WeakMap<Caller, number>();

/** When the token that named this caller expires (ms), if it was verified here. */
export function tokenExpiryOf(caller: Caller): number | undefined {
  return expiries.get(caller);
}

/**
 * Asymmetric algorithms only: never `none`, never HMAC (a public key must not double as an
 * HMAC secret: https://auth0.com/blog/critical-vulnerabilities-in-json-web-token-libraries/).
 */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly auth: AuthConfig;
  private readonly keys: VerificationKeys;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const auth = config.auth;
    const keys = verificationKeys(auth);
    const options: StrategyOptionsWithoutRequest = {
      secretOrKeyProvider: checkedKeyProvider(ALLOWED_ALGORITHMS, keys.resolve),
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      issuer: auth.issuer,
      ...(auth.audience === undefined ? {} : { audience: auth.audience }),
      algorithms: [...ALLOWED_ALGORITHMS],
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    };
    super(options);
    this.auth = auth;
    this.keys = keys;
  }

  /** Changes whenever the verification keys may have changed (see VerificationKeys). */
  keysGeneration(): number {
    return this.keys.generation();
  }

  /**
   * Called by passport-jwt with the payload whose signature verified. jsonwebtoken has checked
   * `iss`, `aud`, `exp` and `nbf` when present; the rules of contract section 4 (`exp` required,
   * every time claim a number, `iat`, `sub`) are held, for JWTs and introspection alike, by
   * callerFromClaims.
   */
  validate(payload: Record<string, unknown>): Caller {
    const caller = callerFromClaims(payload, this.auth);
    // callerFromClaims has checked that exp is a finite number.
    expiries.set(caller, (payload.exp as number) * 1000);
    return caller;
  }
}

function verificationKeys(auth: AuthConfig): VerificationKeys {
  switch (auth.mode) {
    case 'jwks':
      return jwksKeys(auth.jwksUri);
    case 'public-key':
      return staticKey(createPublicKey(auth.publicKeyPem));
    case 'introspection':
      // The guard sends every token to introspection; passport-jwt never gets one.
      return noKeys();
    case 'development': {
      const key = loadOrCreateDevKey(auth.dataDir);
      new Logger('Auth').warn(
        `DEVELOPMENT MODE: no AUTH_* settings, so access tokens are checked against the ` +
          `development key in ${auth.dataDir} (issuer "${auth.issuer}"). Mint one with ` +
          '`npm run token -- <subject>`. Never run like this in production: set AUTH_ISSUER ' +
          'and AUTH_JWKS_URI or AUTH_PUBLIC_KEY.',
      );
      return staticKey(createPublicKey(key.publicKeyPem));
    }
  }
}
