import { Migration } from '@mikro-orm/migrations';

/**
 * The latest audit event of an API key, as its viewer statement reads it on every request (the
 * read-after-write window of read replicas): an index probe instead of a scan of the audit trail.
 * Events of people have theirs already (`audit_events_actor_user_id_id_index`).
 */
export class Migration20261205200000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "audit_events_actor_api_key_id_id_index" on "audit_events" ("actor_api_key_id", "id") where "actor_api_key_id" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "audit_events_actor_api_key_id_id_index";`);
  }
}
