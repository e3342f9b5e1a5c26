import { Migration } from '@mikro-orm/migrations';

/**
 * The transactional outbox of domain events: each change appends its events in its own
 * transaction, and a `pg_notify('leadsy_domain_events', <ids>)` of the same transaction tells every
 * gateway process (LISTEN) which rows to read once it committed.
 */
export class Migration20261205130000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "domain_events" (
      "id" serial primary key,
      "type" varchar(64) not null,
      "company_id" int null,
      "occurred_at" timestamptz not null default now(),
      "payload" jsonb not null
    );`);
    this.addSql(`create index "domain_events_company_id_id_index" on "domain_events" ("company_id", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists "domain_events";');
  }
}
