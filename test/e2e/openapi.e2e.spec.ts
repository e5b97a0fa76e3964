// The OpenAPI document at /openapi.json, held to the contract: it is a valid OpenAPI 3.0
// document (by a maintained parser), it describes every operation with its security, request,
// answers and errors, and the service's real answers fit its schemas (ajv).
// The document is untyped JSON, walked as `any` (the tests' ESLint config allows it).
import { type DescMessage } from '@bufbuild/protobuf';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { RequestMethod } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DECORATORS } from '@nestjs/swagger';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { Ajv2019, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { HttpRpcMarker } from '../../src/common/proto/rpc.decorators.js';
import {
  BadRequest_FieldViolationSchema,
  BadRequestSchema,
} from '../../src/gen/google/rpc/error_details_pb.js';
import { StatusSchema } from '../../src/gen/google/rpc/status_pb.js';
import {
  GetMyProfileResponseSchema,
  ListMyUserChangesRequestSchema,
  ListMyUserChangesResponseSchema,
  UpdateMyProfileRequestSchema,
  UpdateMyProfileResponseSchema,
} from '../../src/gen/zitadel/auth_pb.js';
import { ChangeQuerySchema, ChangeSchema } from '../../src/gen/zitadel/change_pb.js';
import { ErrorDetailSchema, LocalizedMessageSchema } from '../../src/gen/zitadel/message_pb.js';
import { ObjectDetailsSchema } from '../../src/gen/zitadel/object_pb.js';
import { GenderSchema, ProfileSchema } from '../../src/gen/zitadel/user_pb.js';
import { Readiness } from '../../src/health/readiness.service.js';
import {
  RESOURCE_OWNER_CLAIM,
  startProxiedTestApp,
  startTestApp,
  type TestApp,
} from '../support/app.js';
import { describeWithServer } from '../support/database.js';
import { http, type HttpResult } from '../support/http.js';
import { type TcpProxy } from '../support/tcp-proxy.js';

type Json = any;

const PROFILE = '/auth/v1/users/me/profile';
const CHANGES = '/auth/v1/users/me/changes/_search';

/** Every operation of the contract (sections 1, 6 and 7) that the document describes. */
const OPERATIONS = [
  {
    id: 'UpdateMyProfile',
    method: 'put',
    path: PROFILE,
    bearer: true,
    request: UpdateMyProfileRequestSchema,
    requestRequired: true,
    ok: UpdateMyProfileResponseSchema,
    errors: ['400', '401', '429', '503', 'default'],
  },
  {
    id: 'GetMyProfile',
    method: 'get',
    path: PROFILE,
    bearer: true,
    request: undefined,
    requestRequired: false,
    ok: GetMyProfileResponseSchema,
    errors: ['401', '404', '429', '503', 'default'],
  },
  {
    id: 'ListMyUserChanges',
    method: 'post',
    path: CHANGES,
    bearer: true,
    request: ListMyUserChangesRequestSchema,
    requestRequired: false,
    ok: ListMyUserChangesResponseSchema,
    errors: ['400', '401', '429', '503', 'default'],
  },
  {
    id: 'Healthz',
    method: 'get',
    path: '/healthz',
    bearer: false,
    request: undefined,
    requestRequired: false,
    ok: undefined,
    errors: [],
  },
  {
    id: 'Readyz',
    method: 'get',
    path: '/readyz',
    bearer: false,
    request: undefined,
    requestRequired: false,
    ok: undefined,
    errors: ['503', 'default'],
  },
] as const;

/** HTTP status → the gRPC codes its Status may carry in this service's answers. */
const CODES_OF: Record<string, number[]> = {
  '400': [3, 9],
  '401': [16],
  '404': [5],
  '429': [8],
  '503': [14],
};

/** The messages whose JSON the components describe, by component name. */
const MESSAGES: DescMessage[] = [
  UpdateMyProfileRequestSchema,
  UpdateMyProfileResponseSchema,
  GetMyProfileResponseSchema,
  ListMyUserChangesRequestSchema,
  ListMyUserChangesResponseSchema,
  ChangeQuerySchema,
  ChangeSchema,
  LocalizedMessageSchema,
  ObjectDetailsSchema,
  ProfileSchema,
  StatusSchema,
  ErrorDetailSchema,
  BadRequestSchema,
  BadRequest_FieldViolationSchema,
];
const REQUESTS = new Set<DescMessage>([
  UpdateMyProfileRequestSchema,
  ListMyUserChangesRequestSchema,
  ChangeQuerySchema,
]);

const GENDER_NAMES = GenderSchema.values.map((v) => v.name);
const GENDER_NUMBERS = GenderSchema.values.map((v) => v.number);

/**
 * A schema in which every object admits only the properties the document lists (draft 2019-09's
 * `unevaluatedProperties`, which sees through allOf and oneOf), so an answer with a field the
 * document does not name fails. The document itself stays open, as protobuf JSON readers are.
 */
function closed(schema: Json, inAllOf = false): Json {
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = { ...schema };
  if (out.properties !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([key, value]) => [key, closed(value)]),
    );
  }
  if (out.items !== undefined) out.items = closed(out.items);
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (out[key] !== undefined) out[key] = out[key].map((s: Json) => closed(s, inAllOf));
  }
  if (out.allOf !== undefined) out.allOf = out.allOf.map((s: Json) => closed(s, true));
  if (!inAllOf && (out.properties !== undefined || out.allOf !== undefined)) {
    out.unevaluatedProperties = false;
  }
  return out;
}

/** A value made of the schema's examples (or first enum values), as Swagger UI makes one. */
function sampleOf(schema: Json): Json {
  if (schema.example !== undefined) return schema.example;
  if (schema.enum !== undefined) return schema.enum[0];
  if (schema.allOf !== undefined) {
    return Object.assign({}, ...schema.allOf.map((s: Json) => sampleOf(s)));
  }
  if (schema.oneOf !== undefined) return sampleOf(schema.oneOf[0]);
  if (schema.type === 'array') return [sampleOf(schema.items)];
  if (schema.properties !== undefined) {
    const required = new Set<string>(schema.required ?? []);
    const sample: Record<string, Json> = {};
    for (const [key, value] of Object.entries<Json>(schema.properties)) {
      // An optional field without an example (one the service never fills) stays out.
      if (required.has(key) || value.example !== undefined || value.enum !== undefined) {
        sample[key] = sampleOf(value);
      }
    }
    return sample;
  }
  throw new Error(`no example in ${JSON.stringify(schema)}`);
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let raw: Json;
  let doc: Json;
  let ajv: Ajv2019;
  const validators = new Map<unknown, { open: ValidateFunction; closed: ValidateFunction }>();

  /** Open and closed validators of a (dereferenced) schema of the document. */
  const validatorsOf = (schema: Json) => {
    let known = validators.get(schema);
    if (known === undefined) {
      known = { open: ajv.compile(schema), closed: ajv.compile(closed(schema)) };
      validators.set(schema, known);
    }
    return known;
  };

  /** Asserts that `value` fits `schema` (and lists no field the schema does not). */
  const expectFits = (value: unknown, schema: Json, what: string) => {
    const { open, closed: exact } = validatorsOf(schema);
    const explain = (v: ValidateFunction) =>
      `${what}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(value)}`;
    expect(open(value) ? 'fits' : explain(open)).toBe('fits');
    expect(exact(value) ? 'fits' : explain(exact)).toBe('fits');
  };

  const expectMisfits = (value: unknown, schema: Json) => {
    expect(validatorsOf(schema).open(value)).toBe(false);
  };

  const operation = (method: string, path: string): Json => doc.paths[path][method];
  /** The example body of UpdateMyProfile, as Swagger UI's "Try it out" sends it. */
  const example = (): Record<string, unknown> =>
    doc.components.schemas['zitadel.auth.v1.UpdateMyProfileRequest'].example;
  const responseSchema = (method: string, path: string, status: number): Json => {
    const responses = operation(method, path).responses;
    const response = responses[String(status)] ?? responses.default;
    return response.content['application/json'].schema;
  };
  const requestSchema = (method: string, path: string): Json =>
    operation(method, path).requestBody.content['application/json'].schema;
  const exampleOf = (method: string, path: string, status: number, name: string): Json =>
    operation(method, path).responses[String(status)].content['application/json'].examples[name]
      .value;

  /** Checks a real answer against the document: its status is documented, its body fits. */
  const expectDocumented = (res: HttpResult, method: string, path: string) => {
    const responses = operation(method, path).responses;
    expect(Object.keys(responses)).toContain(String(res.status));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expectFits(
      res.body,
      responseSchema(method, path, res.status),
      `${method} ${path} ${res.status}`,
    );
  };

  beforeAll(async () => {
    t = await startTestApp();
    const res = await http(t.baseUrl, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    raw = res.body;
    doc = await dereference(structuredClone(raw));
    // Strict, but OpenAPI 3.0 style: `required` may name properties that a sibling declares
    // (allOf), and a subschema need not repeat its type.
    ajv = new Ajv2019({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addFormat('uint64', { type: 'string', validate: /^[0-9]{1,20}$/ });
    // OpenAPI 3.0 keywords that are not JSON Schema validation keywords.
    ajv.addKeyword({ keyword: 'example' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('as a document', () => {
    it('is a valid OpenAPI 3.0 document', async () => {
      expect(raw.openapi).toMatch(/^3\.0\./);
      const result = await validate(structuredClone(raw));
      expect(result.valid ? 'valid' : compileErrors(result)).toBe('valid');
      expect(result.warnings).toEqual([]);
    });

    it('is served without a token, and Swagger UI with only its own assets', async () => {
      const page = await http(t.baseUrl, 'GET', '/docs');
      expect(page.status).toBe(200);
      const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const asset of assets) {
        // Relative to the page: the same origin, never a CDN.
        expect(asset).toMatch(/^\.\/docs\/[\w.-]+$/);
        const res = await http(t.baseUrl, 'GET', asset.replace(/^\./, ''));
        expect(res.status).toBe(200);
      }
      expect(assets).toEqual(
        expect.arrayContaining(['./docs/swagger-ui-bundle.js', './docs/swagger-ui-init.js']),
      );
      // The init script carries this document, so the page asks for nothing else.
      const init = await http(t.baseUrl, 'GET', '/docs/swagger-ui-init.js');
      expect(init.text).toContain('"operationId": "UpdateMyProfile"');
      expect(init.text).not.toMatch(/https?:\/\//);
    });

    it('describes the bearer scheme', () => {
      expect(raw.components.securitySchemes).toEqual({
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      });
      expect(raw.components.securitySchemes.bearer.description).toMatch(/npm run --silent token/);
      expect(raw.security).toBeUndefined();
    });

    it('names every schema of a body or answer', () => {
      for (const [path, item] of Object.entries<Json>(raw.paths)) {
        for (const [method, op] of Object.entries<Json>(item)) {
          const body = op.requestBody?.content['application/json'].schema;
          if (body !== undefined) expect(`${method} ${path}: ${body.$ref}`).toMatch(/#\//);
          for (const [status, response] of Object.entries<Json>(op.responses)) {
            // Every answer is JSON, but the metrics (the Prometheus text format, a string).
            if (op.operationId === 'Metrics') {
              expect(Object.keys(response.content)).toEqual(['text/plain']);
              continue;
            }
            const schema = response.content['application/json'].schema;
            const ref: string = schema.$ref ?? schema.allOf?.[0]?.$ref;
            expect(`${method} ${path} ${status}: ${ref}`).toMatch(/#\/components\/schemas\/\S+$/);
          }
        }
      }
    });

    it('describes GET /metrics: open, the Prometheus text format, as it is served', async () => {
      const op = operation('get', '/metrics');
      expect(op.operationId).toBe('Metrics');
      expect(op.summary.length).toBeGreaterThan(10);
      expect(op.description).toContain('profile_service_calls_total');
      expect(op.security ?? []).toEqual([]);
      expect(op.requestBody).toBeUndefined();
      expect(Object.keys(op.responses)).toEqual(['200']);
      expect(op.responses['200'].content['text/plain'].schema.type).toBe('string');
      const res = await http(t.baseUrl, 'GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain;/);
      expect(res.text).toContain('# TYPE profile_service_calls_total counter');
    });
  });

  describe('the operations', () => {
    it('has every operation of the contract, and no alias', () => {
      const documented = Object.entries<Json>(raw.paths).flatMap(([path, item]) =>
        Object.entries<Json>(item).map(([method, op]) => `${method} ${path} ${op.operationId}`),
      );
      expect(documented).toEqual(
        expect.arrayContaining(OPERATIONS.map((o) => `${o.method} ${o.path} ${o.id}`)),
      );
      const ids = documented.map((d) => d.split(' ')[2]);
      expect(new Set(ids).size).toBe(ids.length);
      // The aliases without /auth/v1 are the same operations: left out, named in the descriptions.
      expect(Object.keys(raw.paths).filter((p) => p.startsWith('/users/'))).toEqual([]);
      expect(operation('put', PROFILE).description).toContain('`PUT /users/me/profile`');
      expect(operation('get', PROFILE).description).toContain('`GET /users/me/profile`');
      expect(operation('post', CHANGES).description).toContain('`POST /users/me/changes/_search`');
      expect(operation('put', PROFILE).description).toContain(
        'zitadel.auth.v1.AuthService/UpdateMyProfile',
      );
    });

    it('documents every REST route the controllers declare, or one it serves too', () => {
      const documented = new Set(
        Object.entries<Json>(raw.paths).flatMap(([path, item]) =>
          Object.keys(item).map((method) => `${method} ${path}`),
        ),
      );
      const rpcs = new Map<string, string>();
      const excluded: { route: string; rpc: string | undefined }[] = [];
      const discovery = t.app.get(DiscoveryService, { strict: false });
      let routes = 0;
      for (const wrapper of discovery.getControllers()) {
        const type = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
        if (type === undefined || Reflect.getMetadata(DECORATORS.API_EXCLUDE_CONTROLLER, type)) {
          continue;
        }
        const base = String(Reflect.getMetadata(PATH_METADATA, type) ?? '/');
        for (const name of Object.getOwnPropertyNames(type.prototype)) {
          const handler = (type.prototype as Record<string, unknown>)[name];
          if (typeof handler !== 'function' || name === 'constructor') continue;
          const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
          const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
          if (path === undefined || method === undefined) continue;
          routes += 1;
          const route = `${RequestMethod[method].toLowerCase()} ${`/${base}/${path}`.replace(/\/+/g, '/')}`;
          const rpc = Reflect.getMetadata(HttpRpcMarker.KEY, handler)?.method?.name as
            string | undefined;
          const exclusion = Reflect.getMetadata(DECORATORS.API_EXCLUDE_ENDPOINT, handler);
          if (exclusion?.disable === true) excluded.push({ route, rpc });
          else {
            expect(documented).toContain(route);
            if (rpc !== undefined) rpcs.set(rpc, route);
          }
        }
      }
      expect(routes).toBeGreaterThanOrEqual(8);
      expect(excluded.length).toBeGreaterThanOrEqual(3);
      // What is left out serves an RPC that a documented route serves: an alias.
      for (const { route, rpc } of excluded) {
        expect(`${route} → ${rpc} → ${rpc === undefined ? '' : rpcs.get(rpc)}`).toMatch(
          / → \w+ → \w+ \//,
        );
      }
    });

    it.each(OPERATIONS)('describes $id', (o) => {
      const op = operation(o.method, o.path);
      expect(op.operationId).toBe(o.id);
      expect(op.summary.length).toBeGreaterThan(10);
      expect(op.description.length).toBeGreaterThan(20);
      expect(op.parameters ?? []).toEqual([]);
      if (o.bearer) expect(op.security).toEqual([{ bearer: [] }]);
      else expect(op.security ?? []).toEqual([]);
      // The request body, if any.
      if (o.request === undefined) expect(op.requestBody).toBeUndefined();
      else {
        expect(op.requestBody.required).toBe(o.requestRequired);
        const ref = raw.paths[o.path][o.method].requestBody.content['application/json'].schema;
        expect(ref).toEqual({ $ref: `#/components/schemas/${o.request.typeName}` });
      }
      // The answers: 200, and each error the operation really gives, with the codes behind it.
      expect(Object.keys(op.responses).sort()).toEqual(['200', ...o.errors].sort());
      const okRef = raw.paths[o.path][o.method].responses['200'].content['application/json'].schema;
      expect(okRef).toEqual({
        $ref: `#/components/schemas/${o.ok === undefined ? 'Health' : o.ok.typeName}`,
      });
      for (const status of o.errors) {
        const response = raw.paths[o.path][o.method].responses[status];
        expect(response.description.length).toBeGreaterThan(10);
        const { schema, examples } = response.content['application/json'];
        if (status === 'default') {
          expect(schema).toEqual({ $ref: '#/components/schemas/google.rpc.Status' });
        } else {
          expect(schema.allOf[0]).toEqual({ $ref: '#/components/schemas/google.rpc.Status' });
          const codes: number[] = schema.allOf[1].properties.code.enum;
          expect(CODES_OF[status]).toEqual(expect.arrayContaining(codes));
          // Each code the status may carry has an example.
          const shown = Object.values<Json>(examples).map((e): number => e.value.code);
          expect([...new Set(shown)].sort()).toEqual([...codes].sort());
        }
        // Every example is a Status that the schema takes.
        for (const [name, { value }] of Object.entries<Json>(examples)) {
          expectFits(value, responseSchema(o.method, o.path, Number(status) || 500), name);
        }
      }
    });

    it('documents the errors of UpdateMyProfile with their ids and fields', () => {
      const put = operation('put', PROFILE).responses;
      const badRequest = put['400'].content['application/json'].examples;
      expect(Object.keys(badRequest).sort()).toEqual(
        ['invalidName', 'notChanged', 'notJson', 'ownedElsewhere'].sort(),
      );
      expect(badRequest.notChanged.value.details[0].id).toBe('COMMAND-2M0fs');
      expect(badRequest.ownedElsewhere.value.details[0].id).toBe('COMMAND-3M9sd');
      expect(badRequest.invalidName.value.details[0]).toEqual({
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [
          {
            field: 'first_name',
            description: 'value length must be between 1 and 200 runes, inclusive',
          },
        ],
      });
      const unauthenticated = put['401'].content['application/json'].examples;
      expect(unauthenticated.authHeaderMissing.value).toEqual({
        code: 16,
        message: 'auth header missing',
        details: [],
      });
      expect(unauthenticated.tokenInvalid.value.message).toBe('Token is invalid (AUTH-7fs1e)');
      const notFound = operation('get', PROFILE).responses['404'].content['application/json'];
      expect(notFound.examples.userNotFound.value.message).toBe(
        'User could not be found (QUERY-HNhb3)',
      );
    });
  });

  describe('the schemas', () => {
    it('describes the Status with its typed details', () => {
      const status = doc.components.schemas['google.rpc.Status'];
      expect(status.required).toEqual(['code', 'message', 'details']);
      expect(status.properties.code.type).toBe('integer');
      const details = status.properties.details.items.oneOf;
      expect(details.map((d: Json) => d.properties['@type'].enum)).toEqual([
        ['type.googleapis.com/zitadel.v1.ErrorDetail'],
        ['type.googleapis.com/google.rpc.BadRequest'],
      ]);
      expect(details[1].properties.fieldViolations.items.required).toEqual([
        'field',
        'description',
      ]);
      // A detail of an unknown type, or a code that is no number, does not fit.
      const schema = responseSchema('get', PROFILE, 500);
      expectMisfits({ code: 13, message: 'x', details: [{ '@type': 'x' }] }, schema);
      expectMisfits({ code: '13', message: 'x', details: [] }, schema);
      expectMisfits({ code: 13, message: 'x' }, schema);
      expectMisfits({ code: 14, message: 'x', details: [] }, responseSchema('get', PROFILE, 401));
    });

    it('names each message schema after its message, with its fields', () => {
      const schemas = raw.components.schemas;
      for (const message of MESSAGES) {
        const schema = schemas[message.typeName];
        expect(`${message.typeName}: ${typeof schema}`).toBe(`${message.typeName}: object`);
        const expected = message.fields.flatMap((field) =>
          REQUESTS.has(message) && field.name !== field.jsonName
            ? [field.jsonName, field.name]
            : [field.jsonName],
        );
        const typed = message === ErrorDetailSchema || message === BadRequestSchema;
        expect(Object.keys(schema.properties)).toEqual([...(typed ? ['@type'] : []), ...expected]);
        // Answers leave out zero values: what is required is never empty.
        for (const name of schema.required ?? []) {
          expect(['@type', ...message.fields.map((f) => f.jsonName)]).toContain(name);
        }
      }
    });

    it('gives UpdateMyProfileRequest its limits, enums and both names of each field', () => {
      const schema = doc.components.schemas['zitadel.auth.v1.UpdateMyProfileRequest'];
      for (const name of ['firstName', 'lastName', 'nickName', 'displayName']) {
        expect(schema.properties[name]).toMatchObject({
          type: 'string',
          minLength: 1,
          maxLength: 200,
        });
      }
      expect(schema.properties.preferredLanguage).toMatchObject({ type: 'string', maxLength: 10 });
      expect(schema.properties.gender.oneOf).toEqual([
        { type: 'string', enum: GENDER_NAMES },
        { type: 'integer', enum: GENDER_NUMBERS },
      ]);
      expect(schema.properties.first_name).toEqual({
        ...schema.properties.firstName,
        description: expect.stringContaining('proto name of `firstName`'),
      });
      expect(schema.properties.first_name.description).toContain(
        'either `firstName` or `first_name` may be given, not both',
      );
      // Swagger UI's "Try it out" sends the example: lowerCamelCase names only.
      expect(schema.example).toEqual({
        firstName: 'Ada',
        lastName: 'Lovelace',
        nickName: 'ada',
        displayName: 'Ada Lovelace',
        preferredLanguage: 'en-US',
        gender: 'GENDER_FEMALE',
      });
      expectFits(schema.example, schema, 'the example');
      const snake = {
        first_name: 'Ada',
        last_name: 'Lovelace',
        nick_name: 'ada',
        display_name: 'Ada Lovelace',
        preferred_language: 'en',
        gender: 2,
      };
      expectFits(snake, schema, 'proto names');
      expectMisfits({ ...snake, firstName: 'Ada' }, schema);
      expectMisfits({ ...schema.example, preferred_language: 'en' }, schema);
      expectMisfits({ ...schema.example, firstName: undefined }, schema);
      expectMisfits({ ...schema.example, firstName: 'x'.repeat(201) }, schema);
      expectMisfits({ ...schema.example, firstName: '' }, schema);
      expectMisfits({ ...schema.example, gender: 'GENDER_OTHER' }, schema);
      expectMisfits({ ...schema.example, gender: 4 }, schema);
      expectMisfits({ ...schema.example, preferredLanguage: 'en-US-x-long' }, schema);
      // 200 astral characters are 200 code points.
      expectFits({ ...schema.example, firstName: '😀'.repeat(200) }, schema, 'astral');
    });

    it('gives ListMyUserChangesRequest its limits', () => {
      const schema = doc.components.schemas['zitadel.auth.v1.ListMyUserChangesRequest'];
      const query = schema.properties.query.allOf[0];
      expect(query.properties.limit).toMatchObject({ type: 'integer', minimum: 0, maximum: 1000 });
      expect(query.properties.asc.type).toBe('boolean');
      expectFits({}, schema, 'the default query');
      expectFits({ query: { sequence: 7, limit: 1000, asc: true } }, schema, 'a number');
      expectFits({ query: { sequence: '18446744073709551615' } }, schema, 'a string');
      expectMisfits({ query: { limit: 1001 } }, schema);
      expectMisfits({ query: { sequence: 'x' } }, schema);
      expectFits(schema.example, schema, 'the example');
    });

    it('gives the answers their enums, formats and limits', () => {
      const profile = doc.components.schemas['zitadel.user.v1.Profile'];
      expect(profile.properties.gender).toMatchObject({
        type: 'string',
        enum: GENDER_NAMES.filter((name) => name !== 'GENDER_UNSPECIFIED'),
      });
      expect(profile.required).toEqual(['firstName', 'lastName', 'nickName', 'displayName']);
      expect(profile.properties.firstName).toMatchObject({ minLength: 1, maxLength: 200 });
      const details = doc.components.schemas['zitadel.v1.ObjectDetails'];
      expect(details.properties.sequence).toMatchObject({ type: 'string', format: 'uint64' });
      expect(details.properties.changeDate).toMatchObject({ type: 'string', format: 'date-time' });
      const change = doc.components.schemas['zitadel.change.v1.Change'];
      expect(change.properties.eventType.properties.key.enum).toEqual([
        'user.human.profile.added',
        'user.human.profile.changed',
      ]);
      expectMisfits({ ...sampleOf(profile), gender: 'GENDER_UNSPECIFIED' }, profile);
      expectMisfits({ ...sampleOf(details), sequence: 1 }, details);
      // The closed check catches a field the document does not list, however deep.
      const answer = responseSchema('get', PROFILE, 200);
      const sample = sampleOf(answer);
      expectFits(sample, answer, 'the sample');
      const { closed: exact } = validatorsOf(answer);
      expect(exact({ ...sample, profile: { ...sample.profile, first_name: 'Ada' } })).toBe(false);
      expect(exact({ ...sample, details: { ...sample.details, id: '1' } })).toBe(false);
      const error = responseSchema('get', PROFILE, 404);
      const notFound = exampleOf('get', PROFILE, 404, 'userNotFound');
      expect(validatorsOf(error).closed({ ...notFound, stack: 'x' })).toBe(false);
      const detail = { ...notFound.details[0], extra: true };
      expect(validatorsOf(error).closed({ ...notFound, details: [detail] })).toBe(false);
    });

    it.each(OPERATIONS)('has examples of $id that fit its schemas', (o) => {
      const op = operation(o.method, o.path);
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        const schema = response.content['application/json'].schema;
        expectFits(sampleOf(schema), schema, `${o.id} ${status}`);
      }
      if (o.request !== undefined) {
        const schema = requestSchema(o.method, o.path);
        expectFits(sampleOf(schema), schema, `${o.id} request`);
      }
    });
  });

  describe('the real answers', () => {
    it('UpdateMyProfile: 200 for the example, then the documented 400s', async () => {
      const { sub, token } = await t.subject('openapi-put');
      const body = example();
      const created = await http(t.baseUrl, 'PUT', PROFILE, { token, body });
      expect(created.status).toBe(200);
      expectDocumented(created, 'put', PROFILE);
      expect(created.body.details.sequence).toBe('1');

      const again = await http(t.baseUrl, 'PUT', PROFILE, { token, body });
      expectDocumented(again, 'put', PROFILE);
      expect(again.body).toEqual(exampleOf('put', PROFILE, 400, 'notChanged'));

      const invalid = await http(t.baseUrl, 'PUT', PROFILE, {
        token,
        body: { ...body, firstName: ' ' },
      });
      expectDocumented(invalid, 'put', PROFILE);
      expect(invalid.body).toEqual(exampleOf('put', PROFILE, 400, 'invalidName'));

      const notJson = await http(t.baseUrl, 'PUT', PROFILE, {
        token,
        rawBody: '{not json',
        headers: { 'content-type': 'application/json' },
      });
      expectDocumented(notJson, 'put', PROFILE);
      expect(notJson.body).toEqual(exampleOf('put', PROFILE, 400, 'notJson'));

      const elsewhere = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'other' } });
      const owned = await http(t.baseUrl, 'PUT', PROFILE, { token: elsewhere, body });
      expectDocumented(owned, 'put', PROFILE);
      expect(owned.body).toEqual(exampleOf('put', PROFILE, 400, 'ownedElsewhere'));
    });

    it('UpdateMyProfile takes the proto names, and not both names of a field', async () => {
      const schema = requestSchema('put', PROFILE);
      const { token } = await t.subject('openapi-snake');
      const snake = {
        first_name: 'Grace',
        last_name: 'Hopper',
        nick_name: 'amazing',
        display_name: 'Grace Hopper',
        preferred_language: 'en-us',
        gender: 1,
      };
      expectFits(snake, schema, 'proto names');
      const res = await http(t.baseUrl, 'PUT', PROFILE, { token, body: snake });
      expect(res.status).toBe(200);
      expectDocumented(res, 'put', PROFILE);
      const read = await http(t.baseUrl, 'GET', PROFILE, { token });
      expectDocumented(read, 'get', PROFILE);
      expect(read.body.profile).toEqual({
        firstName: 'Grace',
        lastName: 'Hopper',
        nickName: 'amazing',
        displayName: 'Grace Hopper',
        preferredLanguage: 'en-US',
        gender: 'GENDER_FEMALE',
      });

      const both = { ...snake, firstName: 'Grace' };
      expectMisfits(both, schema);
      const refused = await http(t.baseUrl, 'PUT', PROFILE, { token, body: both });
      expectDocumented(refused, 'put', PROFILE);
      expect(refused.body.details[0].fieldViolations).toEqual([
        { field: 'first_name', description: 'value is set more than once' },
      ]);
    });

    it('GetMyProfile: 200 with the stored profile, 404 before the first update', async () => {
      const { token } = await t.subject('openapi-get');
      const missing = await http(t.baseUrl, 'GET', PROFILE, { token });
      expectDocumented(missing, 'get', PROFILE);
      expect(missing.body).toEqual(exampleOf('get', PROFILE, 404, 'userNotFound'));

      await http(t.baseUrl, 'PUT', PROFILE, { token, body: { ...example(), gender: undefined } });
      const read = await http(t.baseUrl, 'GET', PROFILE, { token });
      expect(read.status).toBe(200);
      expectDocumented(read, 'get', PROFILE);
      // GENDER_UNSPECIFIED is the zero value: left out, as the schema says.
      expect(read.body.profile.gender).toBeUndefined();
    });

    it('ListMyUserChanges: 200 for the example, an empty body and none, then 400', async () => {
      const { token } = await t.subject('openapi-changes');
      const none = await http(t.baseUrl, 'POST', CHANGES, { token, body: {} });
      expectDocumented(none, 'post', CHANGES);
      expect(none.body).toEqual({});
      await http(t.baseUrl, 'PUT', PROFILE, { token, body: example() });
      await http(t.baseUrl, 'PUT', PROFILE, { token, body: { ...example(), nickName: 'x' } });
      const schema = requestSchema('post', CHANGES);
      for (const body of [schema.example, {}, undefined]) {
        const res = await http(t.baseUrl, 'POST', CHANGES, { token, body });
        expect(res.status).toBe(200);
        expectDocumented(res, 'post', CHANGES);
        expect(res.body.result.map((c: Json) => c.eventType.key)).toEqual([
          'user.human.profile.changed',
          'user.human.profile.added',
        ]);
      }
      const tooMany = await http(t.baseUrl, 'POST', CHANGES, {
        token,
        body: { query: { limit: 1001 } },
      });
      expectDocumented(tooMany, 'post', CHANGES);
      expect(tooMany.body).toEqual(exampleOf('post', CHANGES, 400, 'limitTooHigh'));
      const notJson = await http(t.baseUrl, 'POST', CHANGES, {
        token,
        rawBody: '[',
        headers: { 'content-type': 'application/json' },
      });
      expectDocumented(notJson, 'post', CHANGES);
      expect(notJson.body).toEqual(exampleOf('post', CHANGES, 400, 'notJson'));
    });

    it.each(OPERATIONS.filter((o) => o.bearer))('$id: the documented 401s', async (o) => {
      const body = o.method === 'put' ? example() : o.method === 'post' ? {} : undefined;
      const missing = await http(t.baseUrl, o.method.toUpperCase(), o.path, { body });
      expectDocumented(missing, o.method, o.path);
      expect(missing.body).toEqual(exampleOf(o.method, o.path, 401, 'authHeaderMissing'));
      const bad = await http(t.baseUrl, o.method.toUpperCase(), o.path, { body, token: 'x.y.z' });
      expectDocumented(bad, o.method, o.path);
      expect(bad.body).toEqual(exampleOf(o.method, o.path, 401, 'tokenInvalid'));
    });

    it('the health probes: 200 without a token', async () => {
      for (const path of ['/healthz', '/readyz']) {
        const res = await http(t.baseUrl, 'GET', path);
        expect(res.status).toBe(200);
        expectDocumented(res, 'get', path);
      }
    });

    it('the documented 503s, once a shutdown has begun', async () => {
      const draining = await startTestApp();
      try {
        const { token } = await draining.subject('openapi-drain');
        draining.app.get(Readiness).drain();
        for (const o of OPERATIONS) {
          const body = o.method === 'put' ? example() : undefined;
          const res = await http(draining.baseUrl, o.method.toUpperCase(), o.path, {
            body,
            token,
          });
          if (o.id === 'Healthz') {
            expect(res.status).toBe(200);
          } else {
            expect(res.status).toBe(503);
            const shown = operation(o.method, o.path).responses['503'].content['application/json'];
            expect(Object.values<Json>(shown.examples).map((e) => e.value)).toContainEqual(
              res.body,
            );
          }
          expectDocumented(res, o.method, o.path);
        }
      } finally {
        await draining.close();
      }
    });
  });

  it('the documented 429s, past RATE_LIMIT_PER_MINUTE', async () => {
    const limited = await startTestApp({ settings: { rateLimitPerMinute: 1 } });
    try {
      for (const o of OPERATIONS.filter((op) => !['Healthz', 'Readyz'].includes(op.id))) {
        const { token } = await limited.subject(`openapi-limit-${o.id}`);
        const body = o.method === 'put' ? example() : undefined;
        await http(limited.baseUrl, o.method.toUpperCase(), o.path, { body, token });
        const res = await http(limited.baseUrl, o.method.toUpperCase(), o.path, { body, token });
        expect(res.status).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        const shown = operation(o.method, o.path).responses['429'].content['application/json'];
        expect(Object.values<Json>(shown.examples).map((e) => e.value)).toContainEqual(res.body);
        expectDocumented(res, o.method, o.path);
      }
    } finally {
      await limited.close();
    }
  });

  describeWithServer('the documented 503s of an unreachable database (TEST_DATABASE_URL)', () => {
    let down: TestApp;
    let proxy: TcpProxy;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({
        app: down,
        proxy,
        close,
      } = await startProxiedTestApp({
        connectTimeoutMs: 1000,
        queryTimeoutMs: 2000,
      }));
    });
    afterAll(async () => {
      await close?.();
    });

    it('answers every operation that reads the database with a documented 503', async () => {
      const { token } = await down.subject('openapi-down');
      await proxy.cut();
      for (const o of OPERATIONS.filter((op) => op.id !== 'Healthz')) {
        const body = o.method === 'put' ? example() : o.method === 'post' ? {} : undefined;
        const res = await http(down.baseUrl, o.method.toUpperCase(), o.path, { body, token });
        expect(`${o.id} ${res.status}`).toBe(`${o.id} 503`);
        expectDocumented(res, o.method, o.path);
        expect(res.body).toEqual(
          Object.values<Json>(
            operation(o.method, o.path).responses['503'].content['application/json'].examples,
          )[0].value,
        );
      }
      const alive = await http(down.baseUrl, 'GET', '/healthz');
      expectDocumented(alive, 'get', '/healthz');
    });
  });
});
