import { createPublicKey } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy, type StrategyOptionsWithoutRequest } from 'passport-jwt';
import { type AppConfig, type AuthConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { type Caller } from './caller.js';
import { loadOrCreateDevKey } from './dev-keys.js';
import { checkedKeyProvider, jwksKeys, type KeyResolver, staticKey } from './verification-keys.js';

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

/** Tolerated clock skew for `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 10;

/** A token that verified but cannot name a caller; the guard reports it as an invalid token. */
export class UnusableTokenError extends Error {}

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

  /** Called by passport-jwt with the verified payload. */
  validate(payload: Record<string, unknown>): Caller {
    // jsonwebtoken checks `exp` only when present; a token without one would never expire.
    if (typeof payload.exp !== 'number') throw new UnusableTokenError('token has no exp');
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject.trim() === '') {
      throw new UnusableTokenError('token has no subject');
    }
    const claim = payload[this.auth.resourceOwnerClaim];
    const resourceOwner =
      typeof claim === 'string' && claim.trim() !== '' ? claim : this.auth.defaultResourceOwner;
    // PostgreSQL text cannot hold NUL: such a token names no caller that could exist.
    if (subject.includes('\0') || resourceOwner.includes('\0')) {
      throw new UnusableTokenError('token claims contain NUL');
    }
    return { subject, resourceOwner };
  }
}

function keyResolver(auth: AuthConfig): KeyResolver {
  switch (auth.mode) {
    case 'jwks':
      return jwksKeys(auth.jwksUri);
    case 'public-key':
      return staticKey(createPublicKey(auth.publicKeyPem));
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
