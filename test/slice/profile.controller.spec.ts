// Controller slice: the REST routes of the Profile module with the application's real guard,
// interceptor, ValidationPipe and exception filter (CommonModule, AuthModule), over supertest,
// with ProfileService on an in-memory repository instead of a database.
import { type INestApplication } from '@nestjs/common';
import { InMemoryProfileRepository } from '../support/in-memory-profile-repository.js';
import { jest } from '@jest/globals';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AuthModule } from '../../src/auth/auth.module.js';
import { JwtStrategy } from '../../src/auth/jwt.strategy.js';
import { CommonModule } from '../../src/common/common.module.js';
import { ProtoJsonExpressAdapter } from '../../src/common/proto/proto-json.adapter.js';
import { type AppConfig } from '../../src/config/config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { ProfileController } from '../../src/profile/profile.controller.js';
import { ProfileRepository } from '../../src/profile/profile.repository.js';
import { ProfileService } from '../../src/profile/profile.service.js';
import { AUTH_HEADER_MISSING, RFC3339_UTC } from '../support/http.js';
import { startTestIssuer, type TestIssuer } from '../support/jwt-issuer.js';
import { ADA } from '../support/profile.js';

const ROUTES = ['/auth/v1/users/me/profile', '/users/me/profile'];

describe('ProfileController (slice: real guard, interceptor, pipe and filter)', () => {
  let app: INestApplication;
  let issuer: TestIssuer;
  let repository: InMemoryProfileRepository;

  beforeAll(async () => {
    issuer = await startTestIssuer();
    const config: AppConfig = {
      production: true,
      port: 0,
      grpcPort: 0,
      dataDir: '/nonexistent',
      database: {
        kind: 'embedded',
        dataDir: '/nonexistent',
        connectTimeoutMs: 1,
        queryTimeoutMs: 1,
      },
      auth: {
        mode: 'public-key',
        issuer: issuer.issuer,
        publicKeyPem: issuer.publicKeyPem,
        audience: issuer.audience,
        resourceOwnerClaim: 'urn:zitadel:iam:user:resourceowner:id',
        defaultResourceOwner: 'default-org',
      },
      shutdownTimeoutMs: 1000,
      rateLimitPerMinute: 0,
      logLevel: 'info',
    };
    repository = new InMemoryProfileRepository();
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), CommonModule, AuthModule],
      controllers: [ProfileController],
      providers: [ProfileService, { provide: ProfileRepository, useValue: repository }],
    }).compile();
    app = moduleRef.createNestApplication(new ProtoJsonExpressAdapter(), {
      bodyParser: false,
      logger: false,
    });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await issuer.close();
  });

  it('verifies a token once, then remembers it until its exp', async () => {
    const validate = jest.spyOn(JwtStrategy.prototype, 'validate');
    try {
      const token = await issuer.mint('slice-remembered');
      for (let i = 0; i < 3; i++) {
        const res = await request(app.getHttpServer())
          .get(ROUTES[0]!)
          .set('authorization', `Bearer ${token}`);
        expect(res.status).toBe(404);
      }
      expect(validate).toHaveBeenCalledTimes(1);
      // Past its exp, but within the clock tolerance: still accepted, but never from memory.
      const expired = await issuer.mint('slice-expired', { expiresInSeconds: -2 });
      for (let i = 0; i < 2; i++) {
        const res = await request(app.getHttpServer())
          .get(ROUTES[0]!)
          .set('authorization', `Bearer ${expired}`);
        expect(res.status).toBe(404);
      }
      expect(validate).toHaveBeenCalledTimes(3);
    } finally {
      validate.mockRestore();
    }
  });

  describe.each(ROUTES)('%s', (path) => {
    it('PUT and GET without a token: 401 auth header missing', async () => {
      const put = await request(app.getHttpServer()).put(path).send(ADA);
      expect(put.status).toBe(401);
      expect(put.body).toEqual(AUTH_HEADER_MISSING);
      const get = await request(app.getHttpServer()).get(path);
      expect(get.status).toBe(401);
      expect(get.body).toEqual(AUTH_HEADER_MISSING);
    });

    it('PUT with broken rules: 400 with one violation per rule, nothing stored', async () => {
      const token = await issuer.mint(`slice-bad-${path}`);
      const res = await request(app.getHttpServer())
        .put(path)
        .set('authorization', `Bearer ${token}`)
        .send({ ...ADA, firstName: '  ', preferredLanguage: 'not a tag at all', gender: 7 });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        code: 3,
        message:
          'invalid UpdateMyProfileRequest.FirstName: value length must be between 1 and 200 runes, inclusive',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.BadRequest',
            fieldViolations: [
              {
                field: 'first_name',
                description: 'value length must be between 1 and 200 runes, inclusive',
              },
              { field: 'preferred_language', description: 'value length must be at most 10 runes' },
              {
                field: 'preferred_language',
                description: 'value must be a well-formed BCP 47 language tag',
              },
              { field: 'gender', description: 'value must be one of the defined enum values' },
            ],
          },
        ],
      });
      expect(repository.profiles.has(`slice-bad-${path}`)).toBe(false);
    });

    it('PUT then GET: 200 with the protobuf JSON of the stored profile', async () => {
      const subject = `slice-ok-${path}`;
      const token = await issuer.mint(subject);
      const put = await request(app.getHttpServer())
        .put(path)
        .set('authorization', `Bearer ${token}`)
        .send({ ...ADA, first_name: ' Grace ', firstName: undefined, preferredLanguage: 'en-gb' });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({
        details: {
          sequence: '1',
          creationDate: expect.stringMatching(RFC3339_UTC),
          changeDate: put.body.details.creationDate,
          resourceOwner: 'default-org',
        },
      });
      const get = await request(app.getHttpServer())
        .get(path)
        .set('authorization', `Bearer ${token}`);
      expect(get.status).toBe(200);
      expect(get.body).toEqual({
        details: put.body.details,
        profile: { ...ADA, firstName: 'Grace', preferredLanguage: 'en-GB' },
      });
    });
  });
});
