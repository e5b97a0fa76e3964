import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The moment by which a call must be answered. One per call (see RequestContextInterceptor),
 * passed down implicitly to every wait it has: the per-profile queue, getting a database
 * connection, each statement. Past it, work not yet started is never started.
 */
export class Deadline {
  constructor(readonly at: number) {}

  static after(ms: number, now = Date.now()): Deadline {
    return new Deadline(now + ms);
  }

  /** Milliseconds left; 0 once passed. */
  remainingMs(now = Date.now()): number {
    return Math.max(0, this.at - now);
  }

  expired(now = Date.now()): boolean {
    return now >= this.at;
  }

  /** The earlier of this and `ms` from now. */
  within(ms: number, now = Date.now()): Deadline {
    return now + ms < this.at ? new Deadline(now + ms) : this;
  }
}

/** What is known of the call being served, for code that has no request object at hand. */
export interface CallContext {
  deadline: Deadline;
}

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `fn` (and everything it starts) as part of the call `context`. */
export function runInCall<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The deadline of the call being served, if any (none outside a call: startup, tests). */
export function currentDeadline(): Deadline | undefined {
  return storage.getStore()?.deadline;
}
