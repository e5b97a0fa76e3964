import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { type Transport } from '../common/call-context.js';
import { poolOf } from '../database/sql.js';

/** Seconds; up to 15 s, the longest a call may take (contract section 8). */
export const DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15,
];

type CallLabels = 'transport' | 'operation' | 'code';

interface CallSeries {
  count: Counter.Internal;
  duration: Histogram.Internal<CallLabels>;
}

/** What the database pool is doing now; undefined where the pool does not say. */
export interface PoolUse {
  inUse: number;
  idle: number;
  waiting: number;
}

/** The use of the data source's pool (pg's Pool, or the PGlite driver's, which counts alike). */
export function poolUseOf(dataSource: DataSource): PoolUse | undefined {
  if (!dataSource.isInitialized) return undefined;
  const { totalCount, idleCount, waitingCount } = poolOf(dataSource);
  if (
    typeof totalCount !== 'number' ||
    typeof idleCount !== 'number' ||
    typeof waitingCount !== 'number'
  ) {
    return undefined;
  }
  return { inUse: totalCount - idleCount, idle: idleCount, waiting: waitingCount };
}

/**
 * The Prometheus metrics of `GET /metrics` (contract section 8), in a registry of this application
 * (not prom-client's global one, so that apps in one process do not share series):
 *
 * - `profile_service_calls_total{transport, operation, code}` and
 *   `profile_service_call_duration_seconds{…}` (a histogram), one count per call, written by
 *   CallObserver together with the call's log line;
 * - `profile_service_db_pool_connections{state="in_use"|"idle"}` and
 *   `profile_service_db_pool_waiting`, read from the pool at each scrape;
 * - prom-client's default metrics (process CPU and memory, event-loop lag, GC, heap).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  private readonly calls: Counter<CallLabels>;
  private readonly durations: Histogram<CallLabels>;
  /** One child per label set: prom-client would hash the labels at every call otherwise. */
  private readonly series = new Map<string, CallSeries>();

  constructor(@InjectDataSource() dataSource: DataSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.calls = new Counter({
      name: 'profile_service_calls_total',
      help: 'Calls answered, by transport, operation (gRPC method or HTTP route; "unmatched" for an unknown one) and code (HTTP status for rest, gRPC status code for grpc and grpc-web).',
      labelNames: ['transport', 'operation', 'code'],
      registers,
    });
    this.durations = new Histogram({
      name: 'profile_service_call_duration_seconds',
      help: 'Time from the start of a call to its answer, in seconds; labels as profile_service_calls_total.',
      labelNames: ['transport', 'operation', 'code'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const connections = new Gauge({
      name: 'profile_service_db_pool_connections',
      help: 'Connections of the database pool, by state: in_use (lent to a call) or idle (open, unused).',
      labelNames: ['state'],
      registers,
      collect: () => {
        const use = poolUseOf(dataSource);
        if (use === undefined) return;
        connections.set({ state: 'in_use' }, use.inUse);
        connections.set({ state: 'idle' }, use.idle);
      },
    });
    const waiting = new Gauge({
      name: 'profile_service_db_pool_waiting',
      help: 'Callers waiting for a connection of the database pool.',
      registers,
      collect: () => {
        const use = poolUseOf(dataSource);
        if (use !== undefined) waiting.set(use.waiting);
      },
    });
  }

  /** One call ended. */
  record(transport: Transport, operation: string, code: number, seconds: number): void {
    const key = `${transport} ${code} ${operation}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const labels = { transport, operation, code: String(code) };
      series = { count: this.calls.labels(labels), duration: this.durations.labels(labels) };
      this.series.set(key, series);
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** The text exposition format. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
