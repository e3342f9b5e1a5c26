import { Migration } from '@mikro-orm/migrations';

/**
 * Sessions a person can end (with rotating refresh tokens), API keys for machines, and the audit
 * trail. The audit table is append-only: a trigger refuses every UPDATE, and every DELETE except
 * the retention pruning's, which names in its own transaction the instant before which rows may go.
 */
export class Migration20261205090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "sessions" (
      "id" uuid not null primary key,
      "user_id" int not null references "users" ("id") on update cascade on delete cascade,
      "created_at" timestamptz not null default now(),
      "last_used_at" timestamptz not null default now(),
      "expires_at" timestamptz not null,
      "client_ip" varchar(64) null,
      "user_agent" varchar(512) null,
      "revoked_at" timestamptz null,
      "revoked_reason" varchar(32) null
    );`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`create table "refresh_tokens" (
      "token_hash" char(64) not null primary key,
      "session_id" uuid not null references "sessions" ("id") on update cascade on delete cascade,
      "created_at" timestamptz not null default now(),
      "rotated_at" timestamptz null
    );`);
    this.addSql(`create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id");`);

    this.addSql(`create table "api_keys" (
      "id" serial primary key,
      "company_id" int not null references "companies" ("id") on update cascade on delete cascade,
      "access_id" int not null references "accesses" ("id") on update cascade,
      "created_by_id" int not null references "users" ("id") on update cascade,
      "name" varchar(100) not null,
      "prefix" varchar(16) not null,
      "secret_hash" char(64) not null unique,
      "created_at" timestamptz not null default now(),
      "last_used_at" timestamptz null,
      "expires_at" timestamptz null,
      "revoked_at" timestamptz null
    );`);
    this.addSql(`create index "api_keys_company_id_index" on "api_keys" ("company_id");`);

    this.addSql(`create table "audit_events" (
      "id" serial primary key,
      "occurred_at" timestamptz not null default now(),
      "actor_user_id" int null,
      "actor_api_key_id" int null,
      "action" varchar(64) not null,
      "target_type" varchar(32) not null,
      "target_id" varchar(64) null,
      "company_id" int null,
      "changes" jsonb null,
      "request_id" varchar(128) null,
      "client_ip" varchar(64) null,
      "user_agent" varchar(512) null
    );`);
    this.addSql(`create index "audit_events_company_id_id_index" on "audit_events" ("company_id", "id");`);
    this.addSql(`create index "audit_events_actor_user_id_id_index" on "audit_events" ("actor_user_id", "id");`);
    this.addSql(`create index "audit_events_target_index" on "audit_events" ("target_type", "target_id", "id");`);
    this.addSql(`create index "audit_events_occurred_at_index" on "audit_events" ("occurred_at");`);

    this.addSql(`create function "audit_events_append_only"() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' and old.occurred_at < coalesce(nullif(current_setting('leadsy.audit_prune_before', true), '')::timestamptz, '-infinity') then
          return old;
        end if;
        raise exception 'audit events are append-only' using errcode = '42501';
      end
    $$;`);
    this.addSql(`create trigger "audit_events_append_only" before update or delete on "audit_events"
      for each row execute function "audit_events_append_only"();`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "audit_events";');
    this.addSql('drop function if exists "audit_events_append_only"();');
    this.addSql('drop table if exists "api_keys";');
    this.addSql('drop table if exists "refresh_tokens";');
    this.addSql('drop table if exists "sessions";');
  }
}
