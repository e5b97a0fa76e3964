import { Logger } from '@nestjs/common';
import { runInCall } from '../common/call-context.js';
import { withoutMetadataValues } from './grpc-js-logger.js';
import { createLogger } from './logger.js';
import { NestLogger } from './nest-logger.js';

function capture(level: Parameters<typeof createLogger>[0] = 'trace') {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, {
    write: (line: string) => void lines.push(JSON.parse(line)),
  });
  return { lines, logger, nest: new NestLogger(logger) };
}

describe('the application logger', () => {
  it('writes JSON lines with an ISO time, the level by name, and the call’s request id', () => {
    const { lines, logger } = capture();
    logger.info('outside');
    runInCall({ requestId: 'req-1', transport: 'rest' }, () => logger.warn({ n: 1 }, 'inside'));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'outside' }),
      expect.objectContaining({ level: 'warn', msg: 'inside', n: 1, requestId: 'req-1' }),
    ]);
    expect(lines[0]).not.toHaveProperty('requestId');
    expect(lines[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes nothing below its level', () => {
    const { lines, logger } = capture('warn');
    logger.info('no');
    logger.debug('no');
    logger.error('yes');
    expect(lines.map((l) => l.msg)).toEqual(['yes']);
  });

  it('censors the fields that hold secrets, should anything log them', () => {
    const { lines, logger } = capture();
    logger.info(
      { authorization: 'Bearer abc', headers: { authorization: 'Bearer def' }, token: 'ghi' },
      'x',
    );
    expect(lines[0]).toMatchObject({
      authorization: '[redacted]',
      headers: { authorization: '[redacted]' },
      token: '[redacted]',
    });
  });
});

describe('NestLogger', () => {
  it("maps Nest's levels, with the context as a field", () => {
    const { lines, nest } = capture();
    nest.log('started', 'NestFactory');
    nest.warn('careful', 'Auth');
    nest.debug('detail', 'Db');
    nest.verbose('chatty', 'Db');
    nest.fatal('gone', 'Main');
    expect(lines.map((l) => [l.level, l.context, l.msg])).toEqual([
      ['info', 'NestFactory', 'started'],
      ['warn', 'Auth', 'careful'],
      ['debug', 'Db', 'detail'],
      ['trace', 'Db', 'chatty'],
      ['fatal', 'Main', 'gone'],
    ]);
  });

  it('keeps the stack of an error line, with or without a context', () => {
    const { lines, nest } = capture();
    const stack = new Error('boom').stack!;
    nest.error('unexpected error', stack, 'Errors');
    nest.error('no context', stack);
    nest.error('no stack', undefined, 'Errors');
    expect(lines[0]).toMatchObject({
      level: 'error',
      context: 'Errors',
      stack,
      msg: 'unexpected error',
    });
    expect(lines[1]).toMatchObject({ stack, msg: 'no context' });
    expect(lines[1]).not.toHaveProperty('context');
    expect(lines[2]).toMatchObject({ context: 'Errors', msg: 'no stack' });
    expect(lines[2]).not.toHaveProperty('stack');
  });

  it("writes an error's name, message and stack, never its own properties", () => {
    const { lines, nest } = capture();
    const error = Object.assign(new Error('query failed'), {
      parameters: ['Ada', 'Lovelace'],
      query: 'UPDATE profiles SET first_name = $1',
    });
    nest.error(error, 'Database');
    expect(lines[0]).toMatchObject({
      context: 'Database',
      msg: 'query failed',
      error: { type: 'Error', message: 'query failed', stack: error.stack },
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/Lovelace|UPDATE/);
  });

  it('names an object message instead of writing it out', () => {
    const { lines, nest } = capture();
    nest.log({ password: 'hunter2', nested: { token: 'x' } }, 'Somewhere');
    expect(lines[0]).toMatchObject({ msg: '[Object]', context: 'Somewhere' });
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });

  it("receives what Nest's Logger sends once it is the app's logger", () => {
    const { lines, nest } = capture();
    Logger.overrideLogger(nest);
    try {
      new Logger('Auth').log('token rejected: jwt expired');
      new Logger('Errors').error('unexpected error', 'Error: x\n    at y (z.ts:1:1)');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines.map((l) => [l.level, l.context, l.msg])).toEqual([
      ['info', 'Auth', 'token rejected: jwt expired'],
      ['error', 'Errors', 'unexpected error'],
    ]);
  });
});

describe('grpc-js lines', () => {
  it('name a dropped metadata entry by its key, never its value', () => {
    expect(
      withoutMetadataValues(
        'Failed to add metadata entry authorization: Bearer s3cr\u00e9t. Metadata string value "Bearer s3cr\u00e9t" contains illegal characters. For more information see https://github.com/grpc/grpc-node/issues/1173',
      ),
    ).toBe(
      'Failed to add metadata entry authorization: the value is not valid metadata (not logged)',
    );
    expect(withoutMetadataValues('Server constructed with an unknown option')).toBe(
      'Server constructed with an unknown option',
    );
  });
});
