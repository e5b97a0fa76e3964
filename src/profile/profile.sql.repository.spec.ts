import { type Caller } from '../auth/caller.js';
import { Deadline } from '../common/deadline.js';
import { type Sql, type SqlStatement } from '../database/sql.js';
import { ADA_MESSAGE } from '../../test/support/profile.js';
import { ProfileService } from './profile.service.js';
import { type ProfileRow as Row, SqlProfileRepository } from './profile.sql.repository.js';

/**
 * The statements the repository sends, in order, against one profile kept here. `beforeSent`
 * plays another instance: it changes the stored profile just before a given statement arrives.
 * (The SQL itself runs on real databases in test/integration/profile.service.spec.ts; this is
 * the order of reads and writes.)
 */
class ScriptedSql {
  readonly sent: string[] = [];
  row: Row | undefined;
  private hook: { statement: string; at: number; change: (row: Row) => void } | undefined;

  /** Runs `change` on the stored row just before the `nth` `statement` sent from now. */
  beforeSent(statement: string, nth: number, change: (row: Row) => void): void {
    const already = this.sent.filter((name) => name === statement).length;
    this.hook = { statement, at: already + nth, change };
  }

  deadline(): Deadline {
    return Deadline.after(1000);
  }

  query(statement: SqlStatement, values: readonly unknown[]): Promise<unknown[]> {
    this.sent.push(statement.name);
    const hook = this.hook;
    if (
      hook?.statement === statement.name &&
      this.sent.filter((name) => name === statement.name).length === hook.at &&
      this.row !== undefined
    ) {
      hook.change(this.row);
      this.hook = undefined;
    }
    if (statement.name === 'profile_find') {
      return Promise.resolve(this.row === undefined ? [] : [{ ...this.row }]);
    }
    const [userId, owner, first, last, nick, display, language, gender] = values as string[];
    const at = values[statement.name === 'profile_create' ? 8 : 9] as Date;
    if (statement.name === 'profile_create') {
      if (this.row !== undefined) return Promise.resolve([]);
      this.row = row(userId!, owner!, [first!, last!, nick!, display!, language!], gender, '1', at);
      return Promise.resolve([{ sequence: '1' }]);
    }
    const sequence = values[8] as string;
    if (this.row === undefined || BigInt(this.row.sequence) !== BigInt(sequence) - 1n) {
      return Promise.resolve([]);
    }
    this.row = {
      ...row(userId!, owner!, [first!, last!, nick!, display!, language!], gender, sequence, at),
      creation_date: this.row.creation_date,
    };
    return Promise.resolve([{ sequence }]);
  }
}

function row(
  userId: string,
  owner: string,
  names: string[],
  gender: unknown,
  sequence: string,
  at: Date,
): Row {
  const [first_name, last_name, nick_name, display_name, preferred_language] = names as [
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    user_id: userId,
    resource_owner: owner,
    first_name,
    last_name,
    nick_name,
    display_name,
    preferred_language,
    gender: Number(gender),
    sequence,
    creation_date: at,
    change_date: at,
  };
}

describe('SqlProfileRepository: reads and writes of an update', () => {
  const ada: Caller = { subject: 'ada', resourceOwner: 'org-1' };
  let sql: ScriptedSql;
  let profiles: ProfileService;

  beforeEach(() => {
    sql = new ScriptedSql();
    profiles = new ProfileService(new SqlProfileRepository(sql as unknown as Sql));
  });

  it('reads, then writes; an update waiting behind another writes on the state it left', async () => {
    const [first, second, third] = await Promise.all([
      profiles.updateMyProfile(ada, ADA_MESSAGE),
      profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'b' }),
      profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'c' }),
    ]);
    expect([first.sequence, second.sequence, third.sequence]).toEqual([1n, 2n, 3n]);
    expect(sql.sent).toEqual([
      'profile_find',
      'profile_create',
      'profile_change',
      'profile_change',
    ]);
    // Once no update waits, nothing is kept: the next one reads again.
    await profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'd' });
    expect(sql.sent.slice(4)).toEqual(['profile_find', 'profile_change']);
  });

  /** What another instance does to the profile: changes the nickname, one sequence on. */
  const changeElsewhere = (stored: Row): void => {
    stored.sequence = String(BigInt(stored.sequence) + 1n);
    stored.nick_name = 'elsewhere';
  };

  it('reads again when another instance changed the profile after the state was handed on', async () => {
    await profiles.updateMyProfile(ada, ADA_MESSAGE);
    sql.sent.length = 0;
    // The other instance writes just before the second update does (the second write from now).
    sql.beforeSent('profile_change', 2, changeElsewhere);
    const [, second] = await Promise.all([
      profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'b' }),
      profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'c' }),
    ]);
    expect(second.sequence).toBe(4n);
    expect(sql.sent).toEqual([
      'profile_find',
      'profile_change',
      'profile_change', // on the handed-on state: refused by the compare-and-set
      'profile_find',
      'profile_change',
    ]);
    expect(sql.row?.nick_name).toBe('c');
  });

  it('decides a refusal again on what is stored, not on the state handed on', async () => {
    await profiles.updateMyProfile(ada, ADA_MESSAGE);
    sql.sent.length = 0;
    // The second asks for what the first leaves (nothing to change on the state handed on), but
    // another instance has changed the stored profile by the time it reads again.
    sql.beforeSent('profile_find', 2, changeElsewhere);
    const [, second] = await Promise.all([
      profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'b' }),
      profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'b' }),
    ]);
    expect(second.sequence).toBe(4n);
    expect(sql.sent).toEqual(['profile_find', 'profile_change', 'profile_find', 'profile_change']);
    expect(sql.row?.nick_name).toBe('b');
  });

  it('refuses an update that changes nothing on what is stored, and hands that state on', async () => {
    await profiles.updateMyProfile(ada, ADA_MESSAGE);
    sql.sent.length = 0;
    const outcomes = await Promise.allSettled([
      profiles.updateMyProfile(ada, ADA_MESSAGE),
      profiles.updateMyProfile(ada, { ...ADA_MESSAGE, nickName: 'b' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    // The refusal was decided on a read; the next update wrote on that state without reading.
    expect(sql.sent).toEqual(['profile_find', 'profile_change']);
  });
});
