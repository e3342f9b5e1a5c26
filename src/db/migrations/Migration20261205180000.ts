import { Migration } from '@mikro-orm/migrations';

/**
 * Imports run as jobs of the `import` queue (pg-boss, in its own `pgboss` schema, which pg-boss
 * creates and migrates itself when the gateway starts): the leases of the home-made worker go.
 * Imports left queued or processing get a job when the gateway starts (`queueOrphanedImports`).
 */
export class Migration20261205180000 extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop index if exists "import_files_status_locked_until_index";');
    this.addSql('alter table "import_files" drop column "locked_by", drop column "locked_until";');
    this.addSql('create index "import_files_status_index" on "import_files" ("status");');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists "import_files_status_index";');
    this.addSql('alter table "import_files" add column "locked_by" varchar(100) null, add column "locked_until" timestamptz null;');
    this.addSql('create index "import_files_status_locked_until_index" on "import_files" ("status", "locked_until");');
  }
}
