// A plain @grpc/grpc-js client of zitadel.auth.v1.AuthService, loaded from proto/ with
// @grpc/proto-loader (as any gRPC client would), with promise helpers and the Status of errors.
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type CallOptions,
  type Client,
  type ClientDuplexStream,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statusFromTrailer, type StatusJson } from './status.js';

export const PROTO_DIR = fileURLToPath(new URL('../../proto', import.meta.url));

/** Longs as strings (a uint64 sequence is '1'), enums by name, zero values present. */
export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** google.protobuf.Timestamp as proto-loader decodes it with `longs: String`. */
export interface TimestampWire {
  seconds: string;
  nanos: number;
}

export interface ObjectDetailsWire {
  sequence: string;
  creationDate: TimestampWire | null;
  changeDate: TimestampWire | null;
  resourceOwner: string;
}

export interface ProfileWire {
  firstName: string;
  lastName: string;
  nickName: string;
  displayName: string;
  preferredLanguage: string;
  gender: string;
}

export interface UpdateMyProfileResponseWire {
  details: ObjectDetailsWire;
}

export interface GetMyProfileResponseWire {
  details: ObjectDetailsWire;
  profile: ProfileWire;
}

/** What a test sends: any subset of the fields, gender by name or number (even an invalid one). */
export type UpdateRequestWire = Partial<Record<keyof Omit<ProfileWire, 'gender'>, string>> & {
  gender?: string | number;
};

type Callback<T> = (err: ServiceError | null, value?: T) => void;
type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: CallOptions,
  callback: Callback<unknown>,
) => unknown;

/** Metadata with `authorization: Bearer <token>`, or none when token is undefined. */
export function bearer(token: string | undefined): Metadata {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

export function deadline(seconds = 10): Date {
  return new Date(Date.now() + seconds * 1000);
}

export class AuthGrpcClient {
  readonly client: Client;

  constructor(target: string) {
    const definition = loadSync(join(PROTO_DIR, 'zitadel/auth.proto'), {
      ...LOADER_OPTIONS,
      includeDirs: [PROTO_DIR],
    });
    const pkg = loadPackageDefinition(definition) as unknown as {
      zitadel: { auth: { v1: { AuthService: ServiceClientConstructor } } };
    };
    this.client = new pkg.zitadel.auth.v1.AuthService(target, credentials.createInsecure());
  }

  updateMyProfile(
    request: UpdateRequestWire,
    token?: string | Metadata,
  ): Promise<UpdateMyProfileResponseWire> {
    return this.call('UpdateMyProfile', request, token);
  }

  getMyProfile(token?: string | Metadata): Promise<GetMyProfileResponseWire> {
    return this.call('GetMyProfile', {}, token);
  }

  call<T>(method: string, request: unknown, token?: string | Metadata): Promise<T> {
    const metadata = token instanceof Metadata ? token : bearer(token);
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (fn === undefined) throw new Error(`no method ${method}`);
    return new Promise<T>((resolve, reject) => {
      fn.call(this.client, request, metadata, { deadline: deadline() }, (err, value) => {
        if (err) reject(err);
        else resolve(value as T);
      });
    });
  }

  /** A raw unary call on any path of the server (bytes in, bytes out). */
  raw(path: string, body: Buffer, token?: string): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        path,
        (b) => b,
        (b) => b,
        body,
        bearer(token),
        { deadline: deadline() },
        (err, value) => {
          if (err) reject(err);
          else resolve(value ?? Buffer.alloc(0));
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** The error a call rejected with; fails the test when it did not reject. */
export async function grpcError(call: Promise<unknown>): Promise<ServiceError> {
  let value: unknown;
  try {
    value = await call;
  } catch (err) {
    if (err instanceof Error && 'code' in err && 'metadata' in err) return err as ServiceError;
    throw err;
  }
  throw new Error(`expected the call to fail, it answered ${JSON.stringify(value)}`);
}

/**
 * The Status of a failed call: `code` and `message` as grpc-js reports them (grpc-status and
 * grpc-message) and the Status decoded from the `grpc-status-details-bin` trailer, which must be
 * there exactly once and agree with both.
 */
export function grpcStatus(err: ServiceError): {
  code: number;
  message: string;
  status: StatusJson;
} {
  const values = err.metadata.get('grpc-status-details-bin');
  if (values.length !== 1) {
    throw new Error(`expected one grpc-status-details-bin trailer, got ${values.length}`);
  }
  const [value] = values;
  const status = statusFromTrailer(typeof value === 'string' ? value : new Uint8Array(value!));
  return { code: err.code, message: err.details, status };
}

/** Milliseconds since the epoch of a Timestamp as proto-loader decodes it. */
export function timestampMs(ts: TimestampWire | null | undefined): number {
  if (ts === null || ts === undefined) throw new Error('timestamp missing');
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
}

const REFLECTION_PROTO_DIR = join(PROTO_DIR, '..', 'node_modules/@grpc/reflection/build/proto');

/** What one reflection request answers, as proto-loader decodes it (camelCase, oneof names). */
export interface ReflectionResponse {
  messageResponse: string;
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

export type ReflectionAsk = (request: Record<string, unknown>) => Promise<ReflectionResponse>;

/** A reflection client of one version, loaded independently of the server (proto-loader). */
export function reflectionClient(
  target: string,
  version: string,
): { ask: ReflectionAsk; close(): void } {
  const definition = loadSync(
    join(REFLECTION_PROTO_DIR, `grpc/reflection/${version}/reflection.proto`),
    {
      ...LOADER_OPTIONS,
      includeDirs: [REFLECTION_PROTO_DIR],
    },
  );
  const pkg = loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: ServiceClientConstructor }> };
  };
  const client = new pkg.grpc.reflection[version]!.ServerReflection(
    target,
    credentials.createInsecure(),
  );
  const open = (
    client as unknown as Record<
      string,
      (o: object) => ClientDuplexStream<object, ReflectionResponse>
    >
  ).ServerReflectionInfo!;
  const ask: ReflectionAsk = (request) =>
    new Promise((resolve, reject) => {
      const stream = open.call(client, { deadline: deadline() });
      stream.once('data', (res) => {
        resolve(res);
        stream.end();
      });
      stream.once('error', reject);
      stream.write(request);
    });
  return { ask, close: () => client.close() };
}
