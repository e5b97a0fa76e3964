import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../common/errors/app-error.js';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';

/**
 * RATE_LIMIT_PER_MINUTE (contract section 8): calls of one subject, or of one client address for
 * calls without a valid token, per minute; beyond it RESOURCE_EXHAUSTED, with the seconds until
 * the minute of that key ends. Off (no counting at all) when the setting is 0. The counting is
 * rate-limiter-flexible's in-memory limiter (per instance; its Redis or PostgreSQL stores would
 * share it between instances). The JwtAuthGuard decides which key a call counts against, since
 * only it knows whether the token is valid.
 *
 * Not @nestjs/throttler: its ThrottlerGuard reads HTTP requests only, and its 6.x build is
 * CommonJS requiring Nest 12's ESM-only @nestjs/common, which Jest's ESM runner cannot load.
 */
@Injectable()
export class RateLimiter {
  private readonly limiter: RateLimiterMemory | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const points = config.rateLimitPerMinute;
    this.limiter = points > 0 ? new RateLimiterMemory({ points, duration: 60 }) : undefined;
  }

  get enabled(): boolean {
    return this.limiter !== undefined;
  }

  /** A call of this subject (a valid token). */
  subject(subject: string): Promise<void> {
    return this.hit(`subject:${subject}`);
  }

  /** A call from this address without a valid token. */
  address(address: string): Promise<void> {
    return this.hit(`address:${address}`);
  }

  private async hit(key: string): Promise<void> {
    if (this.limiter === undefined) return;
    try {
      await this.limiter.consume(key);
    } catch (refusal) {
      // The memory limiter rejects with its result when the points are used up.
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      throw new RateLimitedError(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)));
    }
  }
}
