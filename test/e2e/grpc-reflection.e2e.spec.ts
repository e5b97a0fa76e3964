// gRPC server reflection (v1 and v1alpha) serves the exact descriptors of proto/: real file names,
// imports, fully-qualified type names and proto field names, so that generic clients (grpcurl,
// @bufbuild/protobuf's createFileRegistry, ...) can build working schemas from them.
import {
  create,
  createFileRegistry,
  equals,
  fromBinary,
  toBinary,
  toJson,
  type DescMessage,
  type FileRegistry,
} from '@bufbuild/protobuf';
import {
  file_google_protobuf_timestamp,
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from '@bufbuild/protobuf/wkt';
import {
  file_zitadel_auth,
  GetMyProfileResponseSchema,
  UpdateMyProfileResponseSchema,
} from '../../src/gen/zitadel/auth_pb.js';
import { file_zitadel_change } from '../../src/gen/zitadel/change_pb.js';
import { file_zitadel_message } from '../../src/gen/zitadel/message_pb.js';
import { file_zitadel_object } from '../../src/gen/zitadel/object_pb.js';
import { file_zitadel_user } from '../../src/gen/zitadel/user_pb.js';
import { GrpcServicesExplorer } from '../../src/grpc/grpc.module.js';
import { startTestApp, type TestApp } from '../support/app.js';
import {
  AuthGrpcClient,
  grpcError,
  reflectionClient,
  type ReflectionResponse,
} from '../support/grpc.js';
import { ADA, freshSubject } from '../support/profile.js';

/** The FileDescriptorProtos of a file-descriptor answer, decoded. */
function filesOf(res: ReflectionResponse): FileDescriptorProto[] {
  expect(res.errorResponse).toBeFalsy();
  const protos = res.fileDescriptorResponse?.fileDescriptorProto ?? [];
  return protos.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

/**
 * A registry built only from what reflection sent: the first file, with its imports resolved
 * from the same answer (createFileRegistry fails on a missing or unresolvable import).
 */
function registryOf(files: FileDescriptorProto[]): FileRegistry {
  const [first] = files;
  if (first === undefined) throw new Error('no file descriptors');
  const byName = new Map(files.map((f) => [f.name, f]));
  return createFileRegistry(first, (name) => byName.get(name));
}

function fieldsOf(message: DescMessage | undefined): [string, number, string][] {
  if (message === undefined) throw new Error('message missing');
  return message.fields.map((f) => [
    f.name,
    f.number,
    f.fieldKind === 'message'
      ? f.message.typeName
      : f.fieldKind === 'enum'
        ? f.enum.typeName
        : f.fieldKind,
  ]);
}

describe.each(['v1', 'v1alpha'])('gRPC server reflection %s', (version) => {
  let t: TestApp;
  let reflection: ReturnType<typeof reflectionClient>;

  beforeAll(async () => {
    t = await startTestApp();
    reflection = reflectionClient(t.grpcTarget, version);
  });
  afterAll(async () => {
    reflection?.close();
    await t?.close();
  });

  it('lists the services the modules serve, health checking and reflection', async () => {
    const res = await reflection.ask({ listServices: '*' });
    const served = t.app
      .get(GrpcServicesExplorer)
      .services()
      .map((s) => s.typeName);
    expect(served).toContain('zitadel.auth.v1.AuthService');
    expect(res.listServicesResponse?.service.map((s) => s.name).sort()).toEqual(
      [
        ...served,
        'grpc.health.v1.Health',
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
      ].sort(),
    );
  });

  it('describes AuthService with the files of proto/, their real names and imports', async () => {
    const files = filesOf(
      await reflection.ask({ fileContainingSymbol: 'zitadel.auth.v1.AuthService' }),
    );
    expect(files.map((f) => f.name).sort()).toEqual([
      'google/protobuf/timestamp.proto',
      'zitadel/auth.proto',
      'zitadel/change.proto',
      'zitadel/message.proto',
      'zitadel/object.proto',
      'zitadel/user.proto',
    ]);
    expect(files[0]?.name).toBe('zitadel/auth.proto');
    const byName = new Map(files.map((f) => [f.name, f]));
    expect(byName.get('zitadel/auth.proto')?.dependency).toEqual([
      'zitadel/change.proto',
      'zitadel/object.proto',
      'zitadel/user.proto',
    ]);
    expect(byName.get('zitadel/change.proto')?.dependency).toEqual([
      'google/protobuf/timestamp.proto',
      'zitadel/message.proto',
    ]);
    expect(byName.get('zitadel/object.proto')?.dependency).toEqual([
      'google/protobuf/timestamp.proto',
    ]);
    expect(byName.get('zitadel/user.proto')?.dependency).toEqual([]);
    expect(byName.get('zitadel/auth.proto')?.package).toBe('zitadel.auth.v1');
    // Exactly the descriptors buf compiled (as embedded in src/gen), and the WKT's own.
    for (const expected of [
      file_zitadel_auth,
      file_zitadel_change,
      file_zitadel_message,
      file_zitadel_object,
      file_zitadel_user,
      file_google_protobuf_timestamp,
    ]) {
      const served = byName.get(expected.proto.name);
      expect(served && equals(FileDescriptorProtoSchema, served, expected.proto)).toBe(true);
    }
  });

  it('serves descriptors that createFileRegistry loads, with proto names and numbers', async () => {
    const registry = registryOf(
      filesOf(await reflection.ask({ fileContainingSymbol: 'zitadel.auth.v1.AuthService' })),
    );
    const service = registry.getService('zitadel.auth.v1.AuthService');
    expect(
      service?.methods.map((m) => [m.name, m.input.typeName, m.output.typeName, m.methodKind]),
    ).toEqual([
      [
        'GetMyProfile',
        'zitadel.auth.v1.GetMyProfileRequest',
        'zitadel.auth.v1.GetMyProfileResponse',
        'unary',
      ],
      [
        'UpdateMyProfile',
        'zitadel.auth.v1.UpdateMyProfileRequest',
        'zitadel.auth.v1.UpdateMyProfileResponse',
        'unary',
      ],
      [
        'ListMyUserChanges',
        'zitadel.auth.v1.ListMyUserChangesRequest',
        'zitadel.auth.v1.ListMyUserChangesResponse',
        'unary',
      ],
    ]);
    const profileFields: [string, number, string][] = [
      ['first_name', 1, 'scalar'],
      ['last_name', 2, 'scalar'],
      ['nick_name', 3, 'scalar'],
      ['display_name', 4, 'scalar'],
      ['preferred_language', 5, 'scalar'],
      ['gender', 6, 'zitadel.user.v1.Gender'],
    ];
    expect(fieldsOf(registry.getMessage('zitadel.auth.v1.UpdateMyProfileRequest'))).toEqual(
      profileFields,
    );
    expect(fieldsOf(registry.getMessage('zitadel.user.v1.Profile'))).toEqual(profileFields);
    expect(fieldsOf(registry.getMessage('zitadel.auth.v1.GetMyProfileRequest'))).toEqual([]);
    expect(fieldsOf(registry.getMessage('zitadel.auth.v1.GetMyProfileResponse'))).toEqual([
      ['details', 1, 'zitadel.v1.ObjectDetails'],
      ['profile', 2, 'zitadel.user.v1.Profile'],
    ]);
    expect(fieldsOf(registry.getMessage('zitadel.auth.v1.UpdateMyProfileResponse'))).toEqual([
      ['details', 1, 'zitadel.v1.ObjectDetails'],
    ]);
    expect(fieldsOf(registry.getMessage('zitadel.v1.ObjectDetails'))).toEqual([
      ['sequence', 1, 'scalar'],
      ['creation_date', 2, 'google.protobuf.Timestamp'],
      ['change_date', 3, 'google.protobuf.Timestamp'],
      ['resource_owner', 4, 'scalar'],
    ]);
    const sequence = registry.getMessage('zitadel.v1.ObjectDetails')?.field.sequence;
    expect(sequence?.fieldKind === 'scalar' && sequence.scalar).toBe(4); // uint64
    expect(sequence?.jsonName).toBe('sequence');
    expect(registry.getMessage('zitadel.v1.ObjectDetails')?.field.creationDate?.jsonName).toBe(
      'creationDate',
    );
    expect(
      registry.getEnum('zitadel.user.v1.Gender')?.values.map((v) => [v.name, v.number]),
    ).toEqual([
      ['GENDER_UNSPECIFIED', 0],
      ['GENDER_FEMALE', 1],
      ['GENDER_MALE', 2],
      ['GENDER_DIVERSE', 3],
    ]);
  });

  it('answers by file name and by the symbol of a message, a field or a method', async () => {
    for (const request of [
      { fileByFilename: 'zitadel/auth.proto' },
      { fileContainingSymbol: 'zitadel.auth.v1.UpdateMyProfileRequest' },
      { fileContainingSymbol: 'zitadel.auth.v1.UpdateMyProfileRequest.first_name' },
      { fileContainingSymbol: 'zitadel.auth.v1.AuthService.GetMyProfile' },
    ]) {
      const files = filesOf(await reflection.ask(request));
      expect(files[0]?.name).toBe('zitadel/auth.proto');
      expect(() => registryOf(files)).not.toThrow();
    }
    const object = filesOf(
      await reflection.ask({ fileContainingSymbol: 'zitadel.v1.ObjectDetails' }),
    );
    expect(object.map((f) => f.name)).toEqual([
      'zitadel/object.proto',
      'google/protobuf/timestamp.proto',
    ]);
    const timestamp = filesOf(
      await reflection.ask({ fileByFilename: 'google/protobuf/timestamp.proto' }),
    );
    expect(timestamp.map((f) => f.name)).toEqual(['google/protobuf/timestamp.proto']);
    const missing = await reflection.ask({ fileByFilename: 'zitadel_auth_v1.proto' });
    expect(missing.errorResponse?.errorCode).toBe(5);
  });

  it('describes the health and reflection services under their canonical file names', async () => {
    const health = filesOf(await reflection.ask({ fileContainingSymbol: 'grpc.health.v1.Health' }));
    expect(health.map((f) => f.name)).toEqual(['grpc/health/v1/health.proto']);
    const healthService = registryOf(health).getService('grpc.health.v1.Health');
    expect(healthService?.methods.map((m) => m.name)).toEqual(['Check', 'Watch', 'List']);
    for (const v of ['v1', 'v1alpha']) {
      const files = filesOf(
        await reflection.ask({ fileContainingSymbol: `grpc.reflection.${v}.ServerReflection` }),
      );
      expect(files.map((f) => f.name)).toEqual([`grpc/reflection/${v}/reflection.proto`]);
      const request = registryOf(files).getMessage(`grpc.reflection.${v}.ServerReflectionRequest`);
      expect(request?.fields.map((f) => f.name)).toContain('file_containing_symbol');
    }
  });

  it('describes the error details, so a client that knows only reflection can decode them', async () => {
    const status = filesOf(await reflection.ask({ fileContainingSymbol: 'google.rpc.Status' }));
    expect(status.map((f) => f.name)).toEqual([
      'google/rpc/status.proto',
      'google/protobuf/any.proto',
    ]);
    const badRequest = filesOf(
      await reflection.ask({ fileContainingSymbol: 'google.rpc.BadRequest' }),
    );
    expect(badRequest[0]?.name).toBe('google/rpc/error_details.proto');
    const errorDetail = filesOf(
      await reflection.ask({ fileContainingSymbol: 'zitadel.v1.ErrorDetail' }),
    );
    expect(errorDetail[0]?.name).toBe('zitadel/message.proto');

    // Decode a real error trailer with nothing but those descriptors.
    const auth = new AuthGrpcClient(t.grpcTarget);
    try {
      const token = await t.issuer.mint(freshSubject('reflected-error'));
      const err = await grpcError(auth.getMyProfile(token));
      const [trailer] = err.metadata.get('grpc-status-details-bin');
      // Each answer lists a file before its imports; a registry wants imports first.
      const files = [...status, ...badRequest, ...errorDetail].reverse();
      const unique = new Map(files.map((f) => [f.name, f]));
      const registry = createFileRegistry(
        create(FileDescriptorSetSchema, { file: [...unique.values()] }),
      );
      const statusSchema = registry.getMessage('google.rpc.Status');
      if (statusSchema === undefined || trailer === undefined) throw new Error('missing');
      const decoded = toJson(statusSchema, fromBinary(statusSchema, Buffer.from(trailer)), {
        registry,
      });
      expect(decoded).toEqual({
        code: 5,
        message: 'User could not be found (QUERY-HNhb3)',
        details: [
          {
            '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail',
            id: 'QUERY-HNhb3',
            message: 'User could not be found',
          },
        ],
      });
    } finally {
      auth.close();
    }
  });

  it('serves descriptors a dynamic client can call the service with', async () => {
    const registry = registryOf(
      filesOf(await reflection.ask({ fileContainingSymbol: 'zitadel.auth.v1.AuthService' })),
    );
    const request = registry.getMessage('zitadel.auth.v1.UpdateMyProfileRequest');
    if (request === undefined) throw new Error('no request schema');
    const bytes = toBinary(
      request,
      create(request, {
        firstName: ADA.firstName,
        lastName: ADA.lastName,
        nickName: ADA.nickName,
        displayName: ADA.displayName,
        preferredLanguage: ADA.preferredLanguage,
        gender: 1,
      }),
    );
    const auth = new AuthGrpcClient(t.grpcTarget);
    try {
      const token = await t.issuer.mint(freshSubject('reflected'));
      const updated = fromBinary(
        UpdateMyProfileResponseSchema,
        await auth.raw('/zitadel.auth.v1.AuthService/UpdateMyProfile', Buffer.from(bytes), token),
      );
      expect(updated.details?.sequence).toBe(1n);
      const read = fromBinary(
        GetMyProfileResponseSchema,
        await auth.raw('/zitadel.auth.v1.AuthService/GetMyProfile', Buffer.alloc(0), token),
      );
      expect(read.profile?.firstName).toBe('Ada');
      expect(read.profile?.gender).toBe(1);
    } finally {
      auth.close();
    }
  });
});
