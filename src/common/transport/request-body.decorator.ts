import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

/**
 * The HTTP request itself, for a pipe that reads its body (ProtoJsonPipe). No body parser runs
 * before the route: pipes run after the global guard, so the token is checked before a single
 * byte of the body is read, whatever its size or shape.
 */
export const RequestBody = createParamDecorator(
  (_: unknown, context: ExecutionContext): IncomingMessage =>
    context.switchToHttp().getRequest<IncomingMessage>(),
);
