import { type HttpAdapterHost } from '@nestjs/core';

/** A route of Express 5's router (its internals: `router.stack`, each layer's `match`). */
export interface RouteLayer {
  match(path: string): boolean;
  route?: { path?: unknown; methods: Record<string, boolean> };
}

/**
 * The layers of the Express app's router that are routes, in order. The one place that reads
 * Express's router internals: the exception filter (the methods of a path, for 405) and
 * CallObserver (the route of a request answered before routing) use it.
 */
export function routeLayers(adapterHost: HttpAdapterHost): RouteLayer[] {
  const instance = adapterHost.httpAdapter?.getInstance<{ router?: { stack?: RouteLayer[] } }>();
  return (instance?.router?.stack ?? []).filter((layer) => layer.route !== undefined);
}
