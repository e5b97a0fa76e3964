import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The profile (current state) and its change events. */
export class CreateProfiles1764316800000 implements MigrationInterface {
  name = 'CreateProfiles1764316800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "profiles" (
        "user_id" text PRIMARY KEY,
        "resource_owner" text NOT NULL,
        "first_name" text NOT NULL,
        "last_name" text NOT NULL,
        "nick_name" text NOT NULL,
        "display_name" text NOT NULL,
        "preferred_language" text NOT NULL DEFAULT '',
        "gender" smallint NOT NULL DEFAULT 0 CHECK ("gender" BETWEEN 0 AND 3),
        "sequence" bigint NOT NULL CHECK ("sequence" > 0),
        "creation_date" timestamptz NOT NULL,
        "change_date" timestamptz NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "profile_events" (
        "user_id" text NOT NULL REFERENCES "profiles" ("user_id") ON DELETE CASCADE,
        "sequence" bigint NOT NULL CHECK ("sequence" > 0),
        "event_type" text NOT NULL,
        "changes" jsonb NOT NULL,
        "creator" text NOT NULL,
        "resource_owner" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        CONSTRAINT "profile_events_user_sequence" PRIMARY KEY ("user_id", "sequence")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "profile_events"`);
    await queryRunner.query(`DROP TABLE "profiles"`);
  }
}
