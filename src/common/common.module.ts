import { Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CallContextInterceptor } from './call-context.interceptor.js';
import { AllExceptionsFilter } from './filters/all-exceptions.filter.js';
import { ProtoBodyInterceptor } from './proto/proto-body.interceptor.js';
import { createValidationPipe } from './validation/validation.pipe.js';

/**
 * The request pipeline every feature gets without opting in, on REST and gRPC alike (the gRPC
 * side of the hybrid app inherits these globals): a deadline per call, request messages decoded
 * after the guard, DTOs validated, every error turned into a google.rpc.Status.
 */
@Module({
  providers: [
    // In this order: the call's context (its deadline) first, then the messages.
    { provide: APP_INTERCEPTOR, useClass: CallContextInterceptor },
    { provide: APP_INTERCEPTOR, useClass: ProtoBodyInterceptor },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
  ],
})
export class CommonModule {}
