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
          IncomingMessage: bornWith(IncomingMessage, app.request),
          ServerResponse: bornWith(ServerResponse, app.response),
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
 * `base` (one of Node's HTTP classes, plain constructor functions) making objects whose prototype
 * is `prototype` (which inherits from `base.prototype`) from the start.
 */
function bornWith<T extends typeof IncomingMessage | typeof ServerResponse>(
  base: T,
  prototype: InstanceType<T>,
): T {
  function Made(this: object, ...args: unknown[]): void {
    Reflect.apply(base, this, args);
  }
  Made.prototype = prototype;
  return Made as unknown as T;
}
