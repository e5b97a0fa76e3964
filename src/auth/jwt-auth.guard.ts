import { type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { decodeProtectedHeader } from 'jose';
import { currentCall } from '../common/call-context.js';
import { UnavailableError } from '../common/errors/app-error.js';
import { type AppConfig, type AuthConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RateLimiter } from '../rate-limit/rate-limiter.service.js';
import { authRequestOf, type AuthRequest, peerAddressOf } from './auth-request.js';
import {
  AuthHeaderMissingError,
  AuthSourceUnavailableError,
  TokenInvalidError,
} from './auth.errors.js';
import { type Caller } from './caller.js';
import { JwtStrategy, tokenExpiryOf } from './jwt.strategy.js';
import { IS_PUBLIC } from './public.decorator.js';
import { TOKEN_INTROSPECTOR } from './token-introspector.provider.js';
import { TokenIntrospector } from './token-introspector.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Longest access token looked at (ZITADEL's JWTs are 1 to 2 KiB; HTTP/2 allows 64 KiB of headers). */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * The global guard: every route and RPC needs a valid bearer token unless marked @Public().
 * It runs before pipes, so a token is verified before the request body is looked at.
 *
 * It decides how a token is checked (contract section 4): a JWT is verified locally by
 * passport-jwt (JwtStrategy) when keys are configured; any other token, or every token when
 * introspection is the only source, goes to the TokenIntrospector when one is configured;
 * without one, passport-jwt refuses what is not a JWT. Both ends meet in `reject`, the one
 * mapping of failures to errors. A JWT verified once is remembered (VerifiedTokenCache) until its
 * `exp` or a change of the keys.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger('Auth');
  private readonly auth: AuthConfig;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(TOKEN_INTROSPECTOR) private readonly introspector: TokenIntrospector | null,
    private readonly strategy: JwtStrategy,
    private readonly verified: VerifiedTokenCache,
    private readonly limits: RateLimiter,
  ) {
    super();
    this.auth = config.auth;
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) return true;
    // Most calls: a JWT verified before, admitted at once (no promise to wait for) unless there
    // is a rate limit to count it against. Anything else is checked in full.
    const remembered = this.rememberedCaller(context);
    if (remembered !== undefined && !this.limits.enabled) {
      authRequestOf(context).user = remembered;
      nameSubject(remembered);
      return true;
    }
    return this.check(context);
  }

  private async check(context: ExecutionContext): Promise<boolean> {
    let allowed: boolean;
    try {
      allowed = await this.authenticate(context);
    } catch (error) {
      // A call without a valid token counts against its address (RATE_LIMIT_PER_MINUTE); past
      // the limit it is answered RESOURCE_EXHAUSTED instead. An unreachable key source is not
      // the caller's doing and does not count.
      if (error instanceof AuthHeaderMissingError || error instanceof TokenInvalidError) {
        await this.limits.address(peerAddressOf(context));
      }
      throw error;
    }
    const caller = authRequestOf(context).user;
    if (allowed && caller !== undefined) {
      nameSubject(caller);
      if (this.limits.enabled) await this.limits.subject(caller.subject);
    }
    return allowed;
  }

  /**
   * The caller of a well-formed bearer JWT that was verified before (VerifiedTokenCache), with
   * the keys of now; undefined for anything else.
   */
  private rememberedCaller(context: ExecutionContext): Caller | undefined {
    if (this.auth.mode === 'introspection') return undefined;
    const token = BEARER.exec(authorizationOf(authRequestOf(context)))?.[1];
    if (token === undefined || token.length > MAX_TOKEN_LENGTH) return undefined;
    return this.verified.get(token, this.strategy.keysGeneration());
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = authRequestOf(context);
    const authorization = authorizationOf(request);
    if (authorization.trim() === '') throw new AuthHeaderMissingError();
    // `Bearer <token>` and nothing else (RFC 6750 section 2.1): passport-jwt's extractor would
    // take the first word after the scheme and ignore what follows it. The token is what that
    // extractor finds in such a header (JwtStrategy reads it with it).
    const token = BEARER.exec(authorization)?.[1];
    if (token === undefined) this.reject('not a bearer token');
    // Longer than any access token an issuer makes: refused before any work is done on it.
    if (token.length > MAX_TOKEN_LENGTH) this.reject('token too long');
    if (this.introspector !== null && this.introspects(token)) {
      try {
        request.user = await this.introspector.callerFor(token);
      } catch (error) {
        this.reject(error);
      }
      return true;
    }
    // Read before verifying: keys that change meanwhile leave an entry that is never used.
    const generation = this.strategy.keysGeneration();
    const known = this.verified.get(token, generation);
    if (known !== undefined) {
      request.user = known;
      return true;
    }
    const allowed = (await super.canActivate(context)) as boolean;
    const caller = request.user;
    const expiresAt = caller === undefined ? undefined : tokenExpiryOf(caller);
    if (allowed && caller !== undefined && expiresAt !== undefined) {
      this.verified.set(token, caller, expiresAt, generation);
    }
    return allowed;
  }

  private introspects(token: string): boolean {
    return this.auth.mode === 'introspection' || !isJwt(token);
  }

  override getRequest(context: ExecutionContext): AuthRequest {
    return authRequestOf(context);
  }

  // Read by passport; gRPC has no response object.
  getResponse(context: ExecutionContext): unknown {
    return context.getType() === 'http' ? context.switchToHttp().getResponse() : {};
  }

  override handleRequest<TUser = Caller>(err: unknown, user: unknown, info: unknown): TUser {
    if (err === null && user !== false && user !== undefined && user !== null) return user as TUser;
    this.reject(err ?? info);
  }

  /** The reason is logged, never sent (contract section 4). */
  private reject(reason: unknown): never {
    // The JWKS or the introspection endpoint cannot be had: not the caller's fault.
    if (reason instanceof AuthSourceUnavailableError) {
      this.logger.warn(reason.message);
      throw new UnavailableError(reason);
    }
    this.logger.log(`token rejected: ${reason instanceof Error ? reason.message : String(reason)}`);
    throw new TokenInvalidError();
  }
}

/** The call's log line names its subject. */
function nameSubject(caller: Caller): void {
  const call = currentCall();
  if (call !== undefined) call.subject = caller.subject;
}

/** credentials = "Bearer" 1*SP b64token, b64token = 1*( ALPHA / DIGIT / "-._~+/" ) *"=" */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function authorizationOf(request: AuthRequest): string {
  const header = request.headers.authorization;
  return (Array.isArray(header) ? header[0] : header) ?? '';
}

/** A JWS in compact form: three parts, the first a JSON object (RFC 7515 section 7.1). */
function isJwt(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}
