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
  type KeyResolver,
  noKeys,
  staticKey,
} from './verification-keys.js';

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

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const auth = config.auth;
    const options: StrategyOptionsWithoutRequest = {
      secretOrKeyProvider: checkedKeyProvider(ALLOWED_ALGORITHMS, keyResolver(auth)),
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      issuer: auth.issuer,
      ...(auth.audience === undefined ? {} : { audience: auth.audience }),
      algorithms: [...ALLOWED_ALGORITHMS],
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    };
    super(options);
    this.auth = auth;
  }

  /**
   * Called by passport-jwt with the payload whose signature verified. jsonwebtoken has checked
   * `iss`, `aud`, `exp` and `nbf` when present; the rules of contract section 4 (`exp` required,
   * every time claim a number, `iat`, `sub`) are held, for JWTs and introspection alike, by
   * callerFromClaims.
   */
  validate(payload: Record<string, unknown>): Caller {
    return callerFromClaims(payload, this.auth);
  }
}

function keyResolver(auth: AuthConfig): KeyResolver {
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
