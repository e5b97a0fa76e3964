import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import { type AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { currentCall, runInCall } from './call-context.js';
import { Deadline } from './deadline.js';

/**
 * Gives the call its deadline (contract section 8, "every wait is bounded"): the bound on
 * everything the call waits for from here on (the per-profile queue, a database connection, each
 * statement), DATABASE_QUERY_TIMEOUT_MS from now, or the gRPC client's own deadline when that is
 * sooner. Code below reads it with `currentDeadline()`, so services and repositories need no
 * transport to know it.
 *
 * The call's context itself is opened by the transport's edge (src/observability/: its request
 * id, before any guard runs); the deadline is written on it. An app assembled without those edges
 * (a test slice) gets a context here.
 */
@Injectable()
export class CallContextInterceptor implements NestInterceptor {
  private readonly budgetMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.budgetMs = config.database.queryTimeoutMs;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    let deadline = Deadline.after(this.budgetMs);
    if (context.getType() === 'rpc') {
      const clientDeadline = clientDeadlineOf(context.getArgByIndex<unknown>(2));
      if (clientDeadline < deadline.at) deadline = new Deadline(clientDeadline);
    }
    const call = currentCall();
    if (call !== undefined) {
      call.deadline = deadline;
      return next.handle();
    }
    // The handler runs when the Observable is subscribed to: subscribing inside the call's
    // context is what carries it to the handler and everything it awaits.
    return new Observable((subscriber) =>
      runInCall({ deadline }, () => next.handle().subscribe(subscriber)),
    );
  }
}

/** grpc-js's `call.getDeadline()`: a Date, a number of ms, or Infinity when the client set none. */
function clientDeadlineOf(call: unknown): number {
  const getDeadline = (call as { getDeadline?: () => Date | number } | undefined)?.getDeadline;
  if (typeof getDeadline !== 'function') return Infinity;
  const deadline = getDeadline.call(call);
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
