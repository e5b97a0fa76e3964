import { create } from '@bufbuild/protobuf';
import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { UpdateMyProfileRequestSchema } from '../../gen/zitadel/auth_pb.js';
import { UpdateMyProfileDto } from '../../profile/dto/update-my-profile.dto.js';
import { createValidationPipe } from './validation.pipe.js';

describe('createValidationPipe', () => {
  const pipe = createValidationPipe();
  const nest = new ValidationPipe({ transform: true });

  it.each<[string, unknown, ArgumentMetadata]>([
    ['the value of a custom decorator', { subject: 'ada' }, { type: 'custom', metatype: Object }],
    ['a param without a type', 'x', { type: 'param', data: 'id', metatype: undefined }],
    ['a numeric query param', '42', { type: 'query', data: 'limit', metatype: Number }],
    ['a boolean query param', 'true', { type: 'query', data: 'asc', metatype: Boolean }],
  ])(
    'passes on %s at once (no promise), as Nest’s ValidationPipe would',
    async (_, value, metadata) => {
      const passed: unknown = pipe.transform(value, metadata);
      expect(passed).not.toBeInstanceOf(Promise);
      expect(passed).toEqual(await nest.transform(value, metadata));
    },
  );

  it('validates a DTO body as before, asynchronously', async () => {
    const checked: unknown = pipe.transform(
      create(UpdateMyProfileRequestSchema, {
        firstName: ' Ada ',
        lastName: 'Lovelace',
        nickName: 'ada',
        displayName: 'Ada L.',
        preferredLanguage: 'en-gb',
      }),
      { type: 'body', metatype: UpdateMyProfileDto },
    );
    expect(checked).toBeInstanceOf(Promise);
    await expect(checked).resolves.toMatchObject({ firstName: 'Ada', preferredLanguage: 'en-GB' });
  });
});
