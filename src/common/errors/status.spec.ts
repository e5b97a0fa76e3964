import { fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { HttpException, MethodNotAllowedException, NotFoundException } from '@nestjs/common';
import { BadRequestSchema } from '../../gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../gen/google/rpc/status_pb.js';
import { ErrorDetailSchema } from '../../gen/zitadel/message_pb.js';
import { FailedPreconditionError, UnauthenticatedError, ValidationError } from './app-error.js';
import { GrpcCode, httpStatusOf } from './grpc-code.js';
import { statusOf, statusToBinary, statusToJson } from './status.js';
import { isUnavailable, translateError } from './translate-error.js';

describe('Status', () => {
  it('carries the id in the message and as an ErrorDetail', () => {
    const status = statusOf(new FailedPreconditionError('COMMAND-2M0fs', 'Profile not changed'));
    expect(statusToJson(status)).toEqual({
      code: 9,
      message: 'Profile not changed (COMMAND-2M0fs)',
      details: [
        {
          '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
          id: 'COMMAND-2M0fs',
          message: 'Profile not changed',
        },
      ],
    });
  });

  it('has empty details and no id suffix when there is no id', () => {
    expect(
      statusToJson(statusOf(new UnauthenticatedError(undefined, 'auth header missing'))),
    ).toEqual({
      code: 16,
      message: 'auth header missing',
      details: [],
    });
  });

  it('lists field violations in a BadRequest, JSON and binary alike', () => {
    const status = statusOf(
      new ValidationError('UpdateMyProfileRequest', [
        { field: 'first_name', description: 'd1' },
        { field: 'gender', description: 'd2' },
      ]),
    );
    expect(statusToJson(status)).toEqual({
      code: 3,
      message: 'invalid UpdateMyProfileRequest.FirstName: d1',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [
            { field: 'first_name', description: 'd1' },
            { field: 'gender', description: 'd2' },
          ],
        },
      ],
    });
    const decoded = fromBinary(StatusSchema, statusToBinary(status));
    expect(decoded.code).toBe(3);
    const [any] = decoded.details;
    expect(any && anyUnpack(any, BadRequestSchema)?.fieldViolations.map((v) => v.field)).toEqual([
      'first_name',
      'gender',
    ]);
    expect(any && anyUnpack(any, ErrorDetailSchema)).toBeUndefined();
  });
});

describe('translateError', () => {
  it('maps framework errors and hides unexpected ones', () => {
    expect(translateError(new NotFoundException()).code).toBe(GrpcCode.NOT_FOUND);
    expect(translateError(new MethodNotAllowedException()).code).toBe(GrpcCode.UNIMPLEMENTED);
    const internal = translateError(new Error('SELECT * FROM secrets failed'));
    expect(internal.code).toBe(GrpcCode.INTERNAL);
    expect(statusToJson(statusOf(internal))).toEqual({
      code: 13,
      message: 'internal error',
      details: [],
    });
    expect(translateError(new HttpException('teapot', 418)).code).toBe(GrpcCode.INTERNAL);
  });

  it('recognises an unreachable database', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(isUnavailable(refused)).toBe(true);
    expect(isUnavailable(Object.assign(new Error('wrapped'), { driverError: refused }))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('admin shutdown'), { code: '57P01' }))).toBe(true);
    expect(isUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(translateError(refused).code).toBe(GrpcCode.UNAVAILABLE);
  });

  it('maps codes to HTTP statuses as grpc-gateway does', () => {
    const table: [GrpcCode, number][] = [
      [3, 400],
      [5, 404],
      [7, 403],
      [9, 400],
      [16, 401],
      [8, 429],
      [6, 409],
      [10, 409],
      [12, 501],
      [14, 503],
      [4, 504],
      [2, 500],
      [13, 500],
      [15, 500],
      [1, 499],
    ];
    for (const [code, http] of table) expect(httpStatusOf(code)).toBe(http);
  });
});
