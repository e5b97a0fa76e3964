// UpdateMyProfile and GetMyProfile on each transport, reduced to one shape (an outcome, a
// profile with gender by number), with the protocol of each answer checked on the way: a REST
// error's HTTP status follows the grpc-gateway mapping of its code; a gRPC error carries its
// Status once in grpc-status-details-bin, agreeing with grpc-status and grpc-message; a gRPC-web
// answer is 200, well framed, with one trailer frame last. A violation throws, failing the run.
import { fromBinary, toBinary, create } from '@bufbuild/protobuf';
import { type ServiceError } from '@grpc/grpc-js';
import {
  GetMyProfileRequestSchema,
  GetMyProfileResponseSchema,
  UpdateMyProfileResponseSchema,
} from '../../../src/gen/zitadel/auth_pb.js';
import { AuthGrpcClient, grpcStatus } from '../../support/grpc.js';
import { decodeBase64Body, frame, parseFrames, parseTrailer } from '../../support/grpc-web.js';
import { decodeStatus, statusJson, type StatusJson } from '../../support/status.js';
import { type Answer, type KeepAliveClient } from './http-client.js';
import { GENDER_NAMES, type Profile } from './oracle.js';

export const PROFILE = '/auth/v1/users/me/profile';
export const SEARCH = '/auth/v1/users/me/changes/_search';
export const UPDATE_RPC = '/zitadel.auth.v1.AuthService/UpdateMyProfile';
export const GET_RPC = '/zitadel.auth.v1.AuthService/GetMyProfile';
export const LIST_RPC = '/zitadel.auth.v1.AuthService/ListMyUserChanges';

export type Transport = 'rest' | 'grpc' | 'grpc-web' | 'grpc-web-text';
export const TRANSPORTS: readonly Transport[] = ['rest', 'grpc', 'grpc-web', 'grpc-web-text'];

/** The grpc-gateway mapping of contract section 5, for the codes a REST call can answer. */
export const HTTP_STATUS_OF_CODE: Record<number, number> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

export type Outcome =
  { ok: true; sequence: bigint; resourceOwner: string } | { ok: false; status: StatusJson };

export type Read =
  { ok: true; sequence: bigint; profile: Profile } | { ok: false; status: StatusJson };

/** The Status of a REST error answer, checked against its HTTP status. */
export function restStatus(answer: Answer): StatusJson {
  const text = answer.body.toString('utf8');
  let status: StatusJson;
  try {
    status = JSON.parse(text) as StatusJson;
  } catch {
    throw new Error(`HTTP ${answer.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof status.code !== 'number' || typeof status.message !== 'string') {
    throw new Error(
      `HTTP ${answer.status} with a body that is not a Status: ${text.slice(0, 200)}`,
    );
  }
  if (!Array.isArray(status.details)) throw new Error(`a Status without details: ${text}`);
  if (HTTP_STATUS_OF_CODE[status.code] !== answer.status) {
    throw new Error(`code ${status.code} answered with HTTP ${answer.status}: ${text}`);
  }
  return status;
}

export interface WebAnswer {
  code: number;
  /** The Status of an error (from grpc-status-details-bin). */
  status?: StatusJson;
  /** The message of a success. */
  message?: Buffer;
}

/** A gRPC-web answer, checked: 200, frames, one trailer frame last, a Status that agrees. */
export function parseGrpcWeb(answer: Answer, text: boolean): WebAnswer {
  if (answer.status !== 200) throw new Error(`gRPC-web answered HTTP ${answer.status}`);
  const contentType = String(answer.headers['content-type'] ?? '');
  const expected = text ? /^application\/grpc-web-text/ : /^application\/grpc-web(\+proto)?$/;
  if (!expected.test(contentType)) throw new Error(`gRPC-web content-type ${contentType}`);
  const body = text ? decodeBase64Body(answer.body.toString('latin1')) : answer.body;
  const frames = parseFrames(body);
  const last = frames.at(-1);
  if (last === undefined || last.flag !== 0x80) throw new Error('no trailer frame at the end');
  if (frames.slice(0, -1).some((f) => f.flag !== 0)) throw new Error('an unexpected frame flag');
  const trailer = parseTrailer(last.payload);
  const code = Number(trailer['grpc-status']);
  if (!Number.isInteger(code)) throw new Error(`grpc-status ${trailer['grpc-status']}`);
  const messages = frames.slice(0, -1).map((f) => f.payload);
  if (code === 0) {
    if (messages.length !== 1) throw new Error(`a success with ${messages.length} messages`);
    return { code, message: messages[0]! };
  }
  if (messages.length !== 0) throw new Error('an error with a message frame');
  const bin = trailer['grpc-status-details-bin'];
  if (bin === undefined) throw new Error(`grpc-status ${code} without grpc-status-details-bin`);
  const status = statusJson(decodeStatus(bin));
  if (status.code !== code) throw new Error(`grpc-status ${code}, Status code ${status.code}`);
  const message = decodeURIComponent(trailer['grpc-message'] ?? '');
  if (message !== status.message) throw new Error(`grpc-message ${message} ≠ ${status.message}`);
  return { code, status };
}

/** The body of a gRPC-web request: one frame, base64 for -text. */
export function webBody(message: Uint8Array, text: boolean): Buffer | string {
  const body = frame(message);
  return text ? body.toString('base64') : body;
}

export function webHeaders(
  text: boolean,
  token: string | undefined,
  contentType = text ? 'application/grpc-web-text' : 'application/grpc-web+proto',
): Record<string, string> {
  return {
    'content-type': contentType,
    accept: contentType,
    'x-grpc-web': '1',
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
  };
}

/** A gRPC call's error, as ServiceError; anything else is rethrown. */
function serviceError(error: unknown): ServiceError {
  if (error instanceof Error && 'code' in error && 'metadata' in error)
    return error as ServiceError;
  throw error;
}

/** The profile as a GetMyProfile answer on each transport, gender by number. */
interface ProfileLike {
  firstName?: string;
  lastName?: string;
  nickName?: string;
  displayName?: string;
  preferredLanguage?: string;
  gender?: string | number;
}

function profileOf(p: ProfileLike | undefined): Profile {
  if (p === undefined) throw new Error('profile missing');
  const gender =
    typeof p.gender === 'number'
      ? p.gender
      : GENDER_NAMES.indexOf((p.gender ?? 'GENDER_UNSPECIFIED') as (typeof GENDER_NAMES)[number]);
  return {
    firstName: p.firstName ?? '',
    lastName: p.lastName ?? '',
    nickName: p.nickName ?? '',
    displayName: p.displayName ?? '',
    preferredLanguage: p.preferredLanguage ?? '',
    gender,
  };
}

/** The service on its three transports, REST and gRPC-web on one keep-alive connection. */
export class Wire {
  constructor(
    readonly http: KeepAliveClient,
    readonly grpc: AuthGrpcClient,
  ) {}

  /** UpdateMyProfile with a JSON body (REST) or message bytes (the gRPC transports). */
  async update(transport: Transport, token: string, body: string | Buffer): Promise<Outcome> {
    switch (transport) {
      case 'rest': {
        const answer = await this.http.send('PUT', PROFILE, {
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        });
        if (answer.status !== 200) return { ok: false, status: restStatus(answer) };
        const json = JSON.parse(answer.body.toString('utf8')) as {
          details: { sequence: string; resourceOwner: string };
        };
        return {
          ok: true,
          sequence: BigInt(json.details.sequence),
          resourceOwner: json.details.resourceOwner,
        };
      }
      case 'grpc': {
        let bytes: Buffer;
        try {
          bytes = await this.grpc.raw(UPDATE_RPC, Buffer.from(body), token);
        } catch (error) {
          return { ok: false, status: checkedGrpcStatus(serviceError(error)) };
        }
        const details = fromBinary(UpdateMyProfileResponseSchema, bytes).details;
        return {
          ok: true,
          sequence: details?.sequence ?? 0n,
          resourceOwner: details?.resourceOwner ?? '',
        };
      }
      case 'grpc-web':
      case 'grpc-web-text': {
        const text = transport === 'grpc-web-text';
        const web = parseGrpcWeb(
          await this.http.send('POST', UPDATE_RPC, {
            headers: webHeaders(text, token),
            body: webBody(Buffer.from(body), text),
          }),
          text,
        );
        if (web.code !== 0) return { ok: false, status: web.status! };
        const details = fromBinary(UpdateMyProfileResponseSchema, web.message!).details;
        return {
          ok: true,
          sequence: details?.sequence ?? 0n,
          resourceOwner: details?.resourceOwner ?? '',
        };
      }
    }
  }

  /** GetMyProfile. REST must leave zero values out and write the gender by name. */
  async read(transport: Transport, token: string): Promise<Read> {
    switch (transport) {
      case 'rest': {
        const answer = await this.http.send('GET', PROFILE, {
          headers: { authorization: `Bearer ${token}` },
        });
        if (answer.status !== 200) return { ok: false, status: restStatus(answer) };
        const json = JSON.parse(answer.body.toString('utf8')) as {
          details: { sequence: string };
          profile: ProfileLike;
        };
        const p = json.profile;
        if (p.preferredLanguage === '' || p.gender === 'GENDER_UNSPECIFIED' || p.gender === 0) {
          throw new Error(`REST wrote a zero value: ${JSON.stringify(p)}`);
        }
        if (p.gender !== undefined && typeof p.gender !== 'string') {
          throw new Error(`REST wrote the gender as ${JSON.stringify(p.gender)}, not by name`);
        }
        return { ok: true, sequence: BigInt(json.details.sequence), profile: profileOf(p) };
      }
      case 'grpc': {
        try {
          const res = await this.grpc.getMyProfile(token);
          return {
            ok: true,
            sequence: BigInt(res.details.sequence),
            profile: profileOf(res.profile),
          };
        } catch (error) {
          return { ok: false, status: checkedGrpcStatus(serviceError(error)) };
        }
      }
      case 'grpc-web':
      case 'grpc-web-text': {
        const text = transport === 'grpc-web-text';
        const request = toBinary(GetMyProfileRequestSchema, create(GetMyProfileRequestSchema));
        const web = parseGrpcWeb(
          await this.http.send('POST', GET_RPC, {
            headers: webHeaders(text, token),
            body: webBody(request, text),
          }),
          text,
        );
        if (web.code !== 0) return { ok: false, status: web.status! };
        const res = fromBinary(GetMyProfileResponseSchema, web.message!);
        return { ok: true, sequence: res.details?.sequence ?? 0n, profile: profileOf(res.profile) };
      }
    }
  }

  /** The sequences of the caller's history, newest first (REST, at most 1000). */
  async history(token: string): Promise<bigint[]> {
    const answer = await this.http.send('POST', SEARCH, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"query":{"limit":1000}}',
    });
    if (answer.status !== 200) throw new Error(`history: HTTP ${answer.status}`);
    const json = JSON.parse(answer.body.toString('utf8')) as { result?: { sequence: string }[] };
    return (json.result ?? []).map((c) => BigInt(c.sequence));
  }
}

/** The Status of a gRPC error, which must be in the trailer once and agree with code and message. */
export function checkedGrpcStatus(error: ServiceError): StatusJson {
  const { code, message, status } = grpcStatus(error);
  if (code !== status.code || message !== status.message) {
    throw new Error(
      `gRPC ${code} "${message}" but the Status says ${status.code} "${status.message}"`,
    );
  }
  return status;
}

export { AuthGrpcClient };
