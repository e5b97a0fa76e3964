// Helpers for @connectrpc/connect clients (gRPC-web and gRPC transports): the ConnectError of a
// failed call and the google.rpc.Status it carries.
import { type Client, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-node';
import { Agent } from 'node:http';
import { AuthService } from '../../src/gen/zitadel/auth_pb.js';
import { create } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { StatusSchema } from '../../src/gen/google/rpc/status_pb.js';
import { statusFromTrailer, statusJson, type StatusJson } from './status.js';

/** `{ headers: { authorization: 'Bearer …' } }` call options. */
export function withToken(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}

/** The ConnectError a call rejected with; fails the test when it did not reject. */
export async function connectError(call: Promise<unknown>): Promise<ConnectError> {
  let value: unknown;
  try {
    value = await call;
  } catch (err) {
    if (err instanceof ConnectError) return err;
    throw err;
  }
  throw new Error(`expected the call to fail, it answered ${String(value)}`);
}

/**
 * The Status of a failed call, twice: as the client reports it (`code`, `rawMessage`, the raw
 * details it received) and as the `grpc-status-details-bin` trailer holds it. The caller compares
 * both with the expected Status.
 */
export function connectStatus(err: ConnectError): { reported: StatusJson; trailer: StatusJson } {
  const details = err.details.map((detail) => {
    if (!('type' in detail)) throw new Error('an outgoing detail in a received error');
    return create(AnySchema, {
      typeUrl: `type.googleapis.com/${detail.type}`,
      value: detail.value,
    });
  });
  const reported = statusJson(
    create(StatusSchema, { code: err.code, message: err.rawMessage, details }),
  );
  const trailer = statusFromTrailer(err.metadata.get('grpc-status-details-bin') ?? undefined);
  return { reported, trailer };
}

/** A Connect gRPC-web client of AuthService over keep-alive HTTP/1.1 connections; close it after. */
export function authGrpcWebClient(baseUrl: string): {
  client: Client<typeof AuthService>;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true });
  const client = createClient(
    AuthService,
    createGrpcWebTransport({ baseUrl, httpVersion: '1.1', nodeOptions: { agent } }),
  );
  return { client, close: () => agent.destroy() };
}
