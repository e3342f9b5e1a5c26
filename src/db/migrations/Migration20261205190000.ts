import { Migration } from '@mikro-orm/migrations';

/**
 * Webhooks. An endpoint listens to some event types of a company tree; a relay hands every
 * committed domain event to the endpoints that listen (`webhooks_dispatched_at` marks the events
 * it handed on; the events from before this migration count as handed on), and each attempt to
 * deliver one is a row of the endpoint's delivery log.
 */
export class Migration20261205190000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "webhook_endpoints" (
      "id" serial primary key,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      "company_id" int not null references "companies" ("id") on delete cascade,
      "created_by_id" int null references "users" ("id") on delete set null,
      "url" varchar(2048) not null,
      "description" varchar(500) not null default '',
      "event_types" text[] not null,
      "secret" varchar(100) not null,
      "previous_secret" varchar(100) null,
      "previous_secret_expires_at" timestamptz null,
      "disabled_at" timestamptz null,
      "disabled_reason" varchar(200) null,
      "consecutive_failures" int not null default 0
    );`);
    this.addSql(`create index "webhook_endpoints_company_id_index" on "webhook_endpoints" ("company_id");`);
    this.addSql(`create table "webhook_deliveries" (
      "id" serial primary key,
      "created_at" timestamptz not null default now(),
      "endpoint_id" int not null references "webhook_endpoints" ("id") on delete cascade,
      "event_id" int not null references "domain_events" ("id") on delete cascade,
      "attempt" int not null,
      "succeeded" boolean not null,
      "final" boolean not null,
      "response_status" int null,
      "latency_ms" int not null,
      "error" varchar(300) null,
      "response_body" varchar(1024) null
    );`);
    this.addSql(`create index "webhook_deliveries_endpoint_id_id_index" on "webhook_deliveries" ("endpoint_id", "id");`);
    // now() is evaluated once here: the existing events count as handed on, without rewriting the table.
    this.addSql(`alter table "domain_events" add column "webhooks_dispatched_at" timestamptz null default now();`);
    this.addSql(`alter table "domain_events" alter column "webhooks_dispatched_at" drop default;`);
    this.addSql(
      `create index "domain_events_undispatched_index" on "domain_events" ("id") where "webhooks_dispatched_at" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "domain_events_undispatched_index";');
    this.addSql('alter table "domain_events" drop column "webhooks_dispatched_at";');
    this.addSql('drop table if exists "webhook_deliveries";');
    this.addSql('drop table if exists "webhook_endpoints";');
  }
}
