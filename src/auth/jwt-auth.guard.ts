import { type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { UnavailableError } from '../common/errors/app-error.js';
import { authRequestOf, type AuthRequest } from './auth-request.js';
import { AuthHeaderMissingError, TokenInvalidError } from './auth.errors.js';
import { type Caller } from './caller.js';
import { KeySourceUnavailableError } from './verification-keys.js';
import { IS_PUBLIC } from './public.decorator.js';

/**
 * The global guard: every route and RPC needs a valid bearer token unless marked @Public().
 * It runs before pipes, so a token is verified before the request body is looked at.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger('Auth');

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic === true) return true;
    if (!hasAuthorization(authRequestOf(context))) throw new AuthHeaderMissingError();
    return super.canActivate(context) as Promise<boolean>;
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
    const reason = err ?? info;
    // The identity provider's JWKS cannot be fetched: not the caller's fault.
    if (reason instanceof KeySourceUnavailableError) {
      this.logger.warn(`cannot fetch the signing keys: ${reason.message}`);
      throw new UnavailableError(reason);
    }
    this.logger.log(`token rejected: ${reason instanceof Error ? reason.message : String(reason)}`);
    throw new TokenInvalidError();
  }
}

function hasAuthorization(request: AuthRequest): boolean {
  const header = request.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && value.trim() !== '';
}
