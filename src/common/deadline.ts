/**
 * The moment by which a call must be answered. One per call, set where the call starts (the edge
 * of its transport, see CallObserver: DATABASE_QUERY_TIMEOUT_MS from its arrival, or the gRPC
 * client's own deadline when that is sooner), passed down implicitly (in the CallContext) to
 * every wait it has: the per-profile queue, getting a database connection, each statement. Past
 * it, work not yet started is never started.
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

  /** The earlier of this and the moment `at` (ms since the epoch; Infinity: this). */
  before(at: number): Deadline {
    return at < this.at ? new Deadline(at) : this;
  }
}
