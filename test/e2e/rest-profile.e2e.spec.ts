import { DataSource } from 'typeorm';
import { RESOURCE_OWNER_CLAIM, startTestApp, type TestApp } from '../support/app.js';
import { http, RFC3339_UTC, statusWithId } from '../support/http.js';
import { ADA } from '../support/profile.js';

const PROFILE = '/auth/v1/users/me/profile';
const ALIAS = '/users/me/profile';

const ada = ADA;

const NAME_RULE = 'value length must be between 1 and 200 runes, inclusive';

describe('REST profile', () => {
  let t: TestApp;
  const subject = (claims?: Record<string, unknown>) => t.subject('rest', claims);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates the profile on the first update and reads it back', async () => {
    const { token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-a' });
    const put = await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada });
    expect(put.status).toBe(200);
    expect(put.headers.get('content-type')).toMatch(/application\/json/);
    expect(Object.keys(put.body)).toEqual(['details']);
    const details = put.body.details;
    expect(details.sequence).toBe('1');
    expect(details.resourceOwner).toBe('org-a');
    expect(details.creationDate).toMatch(RFC3339_UTC);
    expect(details.changeDate).toBe(details.creationDate);

    const get = await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(get.status).toBe(200);
    expect(get.body).toEqual({ details, profile: ada });
  });

  it('serves the same operations on /users/me/profile', async () => {
    const { token } = await subject();
    const put = await http(t.baseUrl, 'PUT', ALIAS, { token, body: ada });
    expect(put.status).toBe(200);
    const get = await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(get.body.profile.displayName).toBe('Ada Lovelace');
    expect((await http(t.baseUrl, 'GET', ALIAS, { token })).body).toEqual(get.body);
  });

  it('accepts snake_case names, enums by number, ignores unknown fields, leaves zero values out', async () => {
    const { token } = await subject();
    const put = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: {
        first_name: 'Grace',
        last_name: 'Hopper',
        nick_name: 'amazing',
        display_name: 'Grace Hopper',
        preferred_language: '',
        gender: 0,
        favourite_colour: 'blue',
        userId: 'someone-else',
      },
    });
    expect(put.status).toBe(200);
    const get = await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(get.body.profile).toEqual({
      firstName: 'Grace',
      lastName: 'Hopper',
      nickName: 'amazing',
      displayName: 'Grace Hopper',
    });
    const byNumber = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...get.body.profile, gender: 2 },
    });
    expect(byNumber.status).toBe(200);
    expect((await http(t.baseUrl, 'GET', PROFILE, { token })).body.profile.gender).toBe(
      'GENDER_MALE',
    );
  });

  it('stores values trimmed and the language in canonical form', async () => {
    const { token } = await subject();
    const put = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: {
        ...ada,
        firstName: '  Ada\t',
        displayName: '\u00a0Ada L. ',
        preferredLanguage: ' en-us ',
      },
    });
    expect(put.status).toBe(200);
    const { profile } = (await http(t.baseUrl, 'GET', PROFILE, { token })).body;
    expect(profile.firstName).toBe('Ada');
    expect(profile.displayName).toBe('Ada L.');
    expect(profile.preferredLanguage).toBe('en-US');
  });

  it('counts code points: 200 emoji are allowed, 201 are not', async () => {
    const { token } = await subject();
    const ok = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...ada, nickName: '😀'.repeat(200) },
    });
    expect(ok.status).toBe(200);
    const tooLong = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...ada, nickName: '😀'.repeat(201) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toBe(`invalid UpdateMyProfileRequest.NickName: ${NAME_RULE}`);
  });

  it('increments the sequence per change, keeps the creation date, and refuses a no-op', async () => {
    const { token } = await subject();
    const first = (await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada })).body.details;
    const second = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...ada, nickName: 'countess' },
    });
    expect(second.status).toBe(200);
    expect(second.body.details.sequence).toBe('2');
    expect(second.body.details.creationDate).toBe(first.creationDate);
    expect(Date.parse(second.body.details.changeDate)).toBeGreaterThanOrEqual(
      Date.parse(first.changeDate),
    );

    // Same values, written differently (spaces, case of the tag, enum by number): not a change.
    const same = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...ada, nickName: ' countess ', preferredLanguage: 'EN', gender: 1 },
    });
    expect(same.status).toBe(400);
    expect(same.body).toEqual(statusWithId(9, 'Profile not changed', 'COMMAND-2M0fs'));
    const after = await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(after.body.details).toEqual(second.body.details);
  });

  it('answers NOT_FOUND for a subject without a profile', async () => {
    const { token } = await subject();
    const res = await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(statusWithId(5, 'User could not be found', 'QUERY-HNhb3'));
  });

  it('keeps the resource owner fixed: another organisation can neither read nor change it', async () => {
    const sub = `owned-${Date.now()}`;
    const orgA = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-a' } });
    const orgB = await t.issuer.mint(sub, { claims: { [RESOURCE_OWNER_CLAIM]: 'org-b' } });
    expect((await http(t.baseUrl, 'PUT', PROFILE, { token: orgA, body: ada })).status).toBe(200);

    const put = await http(t.baseUrl, 'PUT', PROFILE, {
      token: orgB,
      body: { ...ada, nickName: 'x' },
    });
    expect(put.status).toBe(400);
    expect(put.body).toEqual(statusWithId(9, 'Profile not found', 'COMMAND-3M9sd'));
    const get = await http(t.baseUrl, 'GET', PROFILE, { token: orgB });
    expect(get.status).toBe(404);
    expect(get.body).toEqual(statusWithId(5, 'User could not be found', 'QUERY-HNhb3'));

    const own = await http(t.baseUrl, 'GET', PROFILE, { token: orgA });
    expect(own.body.profile.nickName).toBe('ada');
    expect(own.body.details.sequence).toBe('1');
  });

  it('reports every broken rule as a field violation, and changes nothing', async () => {
    const { token } = await subject();
    await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada });
    const res = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: {
        firstName: '   ',
        lastName: 'x'.repeat(201),
        displayName: 'ok',
        preferredLanguage: 'not-a-language-tag',
        gender: 7,
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 3,
      message: `invalid UpdateMyProfileRequest.FirstName: ${NAME_RULE}`,
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [
            { field: 'first_name', description: NAME_RULE },
            { field: 'last_name', description: NAME_RULE },
            { field: 'nick_name', description: NAME_RULE },
            { field: 'preferred_language', description: 'value length must be at most 10 runes' },
            { field: 'gender', description: 'value must be one of the defined enum values' },
          ],
        },
      ],
    });
    const after = await http(t.baseUrl, 'GET', PROFILE, { token });
    expect(after.body.details.sequence).toBe('1');
    expect(after.body.profile).toEqual(ada);
  });

  it.each([
    ['a malformed language tag', { preferredLanguage: 'en_US!' }, 'preferred_language'],
    ['an empty display name', { displayName: '' }, 'display_name'],
    ['a missing last name', { lastName: undefined }, 'last_name'],
  ])('rejects %s', async (_, change, field) => {
    const { token } = await subject();
    const res = await http(t.baseUrl, 'PUT', PROFILE, { token, body: { ...ada, ...change } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(3);
    expect(res.body.details[0].fieldViolations.map((v: { field: string }) => v.field)).toEqual([
      field,
    ]);
  });

  it.each([
    ['not JSON', '{"firstName": "Ada"'],
    ['a JSON array', '[1, 2]'],
    ['a JSON string', '"Ada"'],
    ['a number where a string belongs', JSON.stringify({ ...ada, firstName: 42 })],
    ['an object where a string belongs', JSON.stringify({ ...ada, lastName: { a: 1 } })],
    ['an unknown enum name', JSON.stringify({ ...ada, gender: 'GENDER_ROBOT' })],
    ['a fractional enum number', JSON.stringify({ ...ada, gender: 1.5 })],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]).toString('latin1')],
  ])('answers INVALID_ARGUMENT for %s and changes nothing', async (_, rawBody) => {
    const { token } = await subject();
    await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada });
    const res = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      rawBody,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(3);
    expect(res.body.message).toMatch(/^invalid UpdateMyProfileRequest/);
    expect(Array.isArray(res.body.details)).toBe(true);
    expect((await http(t.baseUrl, 'GET', PROFILE, { token })).body.details.sequence).toBe('1');
  });

  it('reports every field of a wrong JSON type, and a field given twice', async () => {
    const { token } = await subject();
    const res = await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: {
        ...ada,
        firstName: 5,
        last_name: true,
        lastName: 'x',
        displayName: ['a'],
        gender: 'MALE',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      code: 3,
      message: 'invalid UpdateMyProfileRequest.FirstName: value must be a string',
      details: [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [
            { field: 'first_name', description: 'value must be a string' },
            { field: 'last_name', description: 'value is set more than once' },
            { field: 'display_name', description: 'value must be a string' },
            { field: 'gender', description: 'value must be one of the defined enum values' },
          ],
        },
      ],
    });
  });

  it('answers 404/5 for unknown routes and 405/12 for a wrong method', async () => {
    const { token } = await subject();
    const unknown = await http(t.baseUrl, 'GET', '/auth/v1/users/me/nothing', { token });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 5, message: 'Not Found', details: [] });
    // Paths match exactly, as in grpc-gateway: no other letter case, no trailing slash.
    for (const path of ['/AUTH/v1/users/me/profile', '/users/ME/profile', `${PROFILE}/`]) {
      const res = await http(t.baseUrl, 'GET', path, { token });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 5, message: 'Not Found', details: [] });
    }
    for (const path of [PROFILE, ALIAS]) {
      const wrong = await http(t.baseUrl, 'DELETE', path, { token });
      expect(wrong.status).toBe(405);
      expect(wrong.body).toEqual({ code: 12, message: 'Method Not Allowed', details: [] });
      expect(wrong.headers.get('allow')).toBe('GET, HEAD, PUT');
    }
  });

  it('serialises concurrent updates of one profile: distinct sequences, none lost', async () => {
    const { sub, token } = await subject();
    await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada });
    const count = 12;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        http(t.baseUrl, 'PUT', PROFILE, { token, body: { ...ada, nickName: `writer-${i}` } }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(count).fill(200));
    const sequences = results.map((r) => Number(r.body.details.sequence)).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: count }, (_, i) => i + 2));

    const last = results.find((r) => r.body.details.sequence === String(count + 1));
    const stored = (await http(t.baseUrl, 'GET', PROFILE, { token })).body;
    expect(stored.details.sequence).toBe(String(count + 1));
    expect(stored.profile.nickName).toBe(`writer-${results.indexOf(last!)}`);

    const events: { seq: string; event_type: string }[] = await t.app
      .get(DataSource)
      .query(
        'SELECT sequence::text AS seq, event_type FROM profile_events WHERE user_id = $1 ORDER BY sequence',
        [sub],
      );
    expect(events.map((e) => Number(e.seq))).toEqual(
      Array.from({ length: count + 1 }, (_, i) => i + 1),
    );
    expect(events[0]?.event_type).toBe('user.human.profile.added');
    expect(events.slice(1).every((e) => e.event_type === 'user.human.profile.changed')).toBe(true);
  });

  it('records who changed which fields from what to what', async () => {
    const { sub, token } = await subject({ [RESOURCE_OWNER_CLAIM]: 'org-ev' });
    await http(t.baseUrl, 'PUT', PROFILE, { token, body: ada });
    await http(t.baseUrl, 'PUT', PROFILE, {
      token,
      body: { ...ada, lastName: 'King', gender: 'GENDER_DIVERSE' },
    });
    const rows: { changes: unknown; creator: string; resource_owner: string; created_at: Date }[] =
      await t.app
        .get(DataSource)
        .query(
          'SELECT changes, creator, resource_owner, created_at FROM profile_events WHERE user_id = $1 AND sequence = 2',
          [sub],
        );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      changes: { last_name: { old: 'Lovelace', new: 'King' }, gender: { old: 1, new: 3 } },
      creator: sub,
      resource_owner: 'org-ev',
    });
    const stored = (await http(t.baseUrl, 'GET', PROFILE, { token })).body;
    expect(rows[0]?.created_at.toISOString()).toBe(
      new Date(stored.details.changeDate).toISOString(),
    );
  });
});
