import { Injectable, type PipeTransform } from '@nestjs/common';
import { UndecodableRequest } from './request-decoding.js';

/**
 * For the payload of a gRPC handler: a request that could not be decoded (see
 * UndecodableRequest) becomes INVALID_ARGUMENT. Pipes run after the guard, so a call without a
 * valid token gets UNAUTHENTICATED whatever its body.
 */
@Injectable()
export class DecodedRequestPipe implements PipeTransform {
  transform(value: unknown): unknown {
    if (value instanceof UndecodableRequest) throw value.toError();
    return value;
  }
}
