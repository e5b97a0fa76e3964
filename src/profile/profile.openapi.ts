import { type ApiBody } from '@nestjs/swagger';

/** @nestjs/swagger does not export its SchemaObject type; take it from ApiBody's options. */
type SchemaObject = Exclude<
  Extract<Parameters<typeof ApiBody>[0], { schema: unknown }>['schema'],
  { $ref: string }
>;

// OpenAPI schemas of the REST bodies, which follow the protobuf JSON mapping of proto/zitadel.

const name = (description: string): SchemaObject => ({
  type: 'string',
  minLength: 1,
  maxLength: 200,
  description: `${description}; trimmed, 1 to 200 code points`,
});

const gender: SchemaObject = {
  description: 'by name or number; GENDER_UNSPECIFIED (0) is left out of answers',
  oneOf: [
    {
      type: 'string',
      enum: ['GENDER_UNSPECIFIED', 'GENDER_FEMALE', 'GENDER_MALE', 'GENDER_DIVERSE'],
    },
    { type: 'integer', enum: [0, 1, 2, 3] },
  ],
};

const profileFields: Record<string, SchemaObject> = {
  firstName: name('given name'),
  lastName: name('family name'),
  nickName: name('nickname'),
  displayName: name('display name'),
  preferredLanguage: {
    type: 'string',
    maxLength: 10,
    example: 'en-US',
    description: 'a well-formed BCP 47 tag, stored canonical; empty allowed',
  },
  gender,
};

export const UPDATE_MY_PROFILE_REQUEST: SchemaObject = {
  type: 'object',
  description:
    'Replaces all six fields. snake_case names (first_name…) are accepted too; unknown fields are ignored.',
  properties: profileFields,
  required: ['firstName', 'lastName', 'nickName', 'displayName'],
};

const timestamp: SchemaObject = {
  type: 'string',
  format: 'date-time',
  example: '2026-11-28T16:36:35.020Z',
};

const objectDetails: SchemaObject = {
  type: 'object',
  properties: {
    sequence: { type: 'string', format: 'uint64', example: '1' },
    creationDate: timestamp,
    changeDate: timestamp,
    resourceOwner: { type: 'string', example: 'acme' },
  },
};

export const UPDATE_MY_PROFILE_RESPONSE: SchemaObject = {
  type: 'object',
  properties: { details: objectDetails },
};

export const GET_MY_PROFILE_RESPONSE: SchemaObject = {
  type: 'object',
  properties: {
    details: objectDetails,
    profile: { type: 'object', properties: { ...profileFields, gender: { type: 'string' } } },
  },
};

export const STATUS: SchemaObject = {
  type: 'object',
  description: 'google.rpc.Status',
  properties: {
    code: { type: 'integer', example: 9 },
    message: { type: 'string', example: 'Profile not changed (COMMAND-2M0fs)' },
    details: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
};
