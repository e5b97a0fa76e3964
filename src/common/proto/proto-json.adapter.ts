import { type DescMessage, isMessage, type Message, toJson } from '@bufbuild/protobuf';
import { type NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/** The response messages of the REST routes (`@HttpRpc`), by type name: what the adapter writes. */
const responseMessages = new Map<string, DescMessage>();

/** Lets the REST routes answer with messages of `schema` (`@HttpRpc` calls it for its method). */
export function answerWith(schema: DescMessage): void {
  responseMessages.set(schema.typeName, schema);
}

/**
 * Nest's Express adapter, which answers a REST handler's protobuf-es message in the protobuf JSON
 * mapping (grpc-gateway's: lowerCamelCase, int64 as strings, enums by name, zero values left out).
 * Every transport encodes the messages the handlers return: gRPC and gRPC-web by the method's
 * serializer, REST here. Doing it in the adapter, rather than in an interceptor, keeps Nest's
 * interceptor chain (rxjs, an async scope per call) off the path of the routes that read no body
 * (docs/performance.md). Everything else is answered as Express would.
 */
export class ProtoJsonExpressAdapter extends ExpressAdapter {
  /**
   * The HTTP server, as Nest's adapter makes it, but for the objects it makes for each call: they
   * are born with the prototypes Express gives them. Express 5 sets them per call
   * (`Object.setPrototypeOf(req, app.request)` in `app.handle`); on a request Node's server has
   * just made, V8 then gives every request object a map of its own (measured: no two requests
   * shared one, where plain node:http shares them all), so every property access on a request
   * that Node, Express, Nest or the service makes misses its inline cache and is looked up in the
   * runtime. Born with that prototype, Express's `setPrototypeOf` changes nothing. A bare Express
   * app went from 0.127 to 0.043 ms of CPU per GET with it (docs/performance.md).
   *
   * The classes are subclasses of Node's, so that V8 sizes their objects as it sizes Node's own
   * (room for their fields in the object); and their prototypes become Express's `app.request`
   * and `app.response`, which a subclass's prototype cannot be replaced by.
   */
  override initHttpServer(options: NestApplicationOptions): void {
    // Options that make Nest's adapter do more than create the server: left to it.
    if (
      options.httpsOptions !== undefined ||
      options.forceCloseConnections === true ||
      options.return503OnClosing === true
    ) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<Express>();
    this.setHttpServer(
      createServer(
        {
          IncomingMessage: bornWith(IncomingMessage, app, 'request'),
          ServerResponse: bornWith(ServerResponse, app, 'response'),
        },
        app,
      ),
    );
  }

  override reply(response: ServerResponse, body: unknown, statusCode?: number): unknown {
    if (!isMessage(body)) return super.reply(response, body, statusCode);
    // What Express's res.json() would send for this JSON (no ETag: the service sets none), without
    // its steps for bodies of other kinds.
    const json = JSON.stringify(toProtoJson(body));
    if (statusCode !== undefined) response.statusCode = statusCode;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(json));
    return response.end(json);
  }
}

function toProtoJson(message: Message): unknown {
  const schema = responseMessages.get(message.$typeName);
  // A handler answered with a message that no @HttpRpc route declares: a bug, answered INTERNAL.
  if (schema === undefined) throw new Error(`no REST route answers with ${message.$typeName}`);
  return toJson(schema, message);
}

/**
 * A subclass of `base` (one of Node's HTTP classes) whose objects have Express's prototype
 * `app[key]` from the start: the subclass's prototype takes the place of `app[key]` (same own
 * properties, same prototype), and is what Express sets on every call from then on.
 *
 * Why a subclass: V8 gives the objects of a plain constructor function room in the object for
 * the fields it counts in that function's body; one that only calls `base` gets none, and with
 * their fields in a separate array every response went to dictionary mode in Node's constructor,
 * and every request in Express's router (V8's map log: TooManyFastProperties), where plain
 * node:http keeps both fast (checked with `%HasFastProperties`). A subclass's objects are sized
 * from `base`, as Node's are.
 */
function bornWith<K extends 'request' | 'response'>(
  base: K extends 'request' ? typeof IncomingMessage : typeof ServerResponse,
  app: Express,
  key: K,
): typeof base {
  const expressPrototype = app[key] as object;
  const Made = class extends (base as typeof IncomingMessage) {};
  Object.setPrototypeOf(Made.prototype, Object.getPrototypeOf(expressPrototype) as object);
  Object.defineProperties(Made.prototype, Object.getOwnPropertyDescriptors(expressPrototype));
  (app as unknown as Record<K, object>)[key] = Made.prototype;
  return Made as unknown as typeof base;
}
