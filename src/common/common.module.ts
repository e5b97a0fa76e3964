import { Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AllExceptionsFilter } from './filters/all-exceptions.filter.js';
import { createValidationPipe } from './validation/validation.pipe.js';

/**
 * The request pipeline every feature gets without opting in, on REST and gRPC alike (the gRPC
 * side of the hybrid app inherits these globals): DTOs validated, every error turned into a
 * google.rpc.Status. (Request messages are decoded by the interceptor that `@HttpRpc` and
 * `@GrpcRpc` bind, REST answers written by ProtoJsonExpressAdapter, each call's deadline set at
 * the edge of its transport.)
 */
@Module({
  providers: [
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class CommonModule {}
