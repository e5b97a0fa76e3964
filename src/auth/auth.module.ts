import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { JwtStrategy } from './jwt.strategy.js';
import { tokenIntrospectorProvider } from './token-introspector.provider.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Token verification (JWTs locally, opaque tokens by introspection) and the global guard. */
@Module({
  imports: [PassportModule, RateLimitModule],
  providers: [
    JwtStrategy,
    VerifiedTokenCache,
    tokenIntrospectorProvider,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
})
export class AuthModule {}
