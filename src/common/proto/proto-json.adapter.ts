import { type DescMessage, isMessage, type Message, toJson } from '@bufbuild/protobuf';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { ServerResponse } from 'node:http';

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
