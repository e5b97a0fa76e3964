import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { authRequestOf } from './auth-request.js';
import { TokenInvalidError } from './auth.errors.js';
import { type Caller } from './caller.js';

/** The verified caller of a guarded handler, on REST and gRPC alike. */
export const CurrentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): Caller => {
    const caller = authRequestOf(context).user;
    // Only reachable if a handler marked @Public() asks for a caller: fail closed.
    if (caller === undefined) throw new TokenInvalidError();
    return caller;
  },
);
