import { Migration } from '@mikro-orm/migrations';

/**
 * Indexes for the orders of the long lists (`users` and a company's `members`, `companies`): each
 * holds an order's sort keys and the id, the tie-breaker, so a keyset page is an index range scan.
 * Users by status take the place of the status index (the same index for the status filter). Users
 * by email need none: the unique email index, then the id for a tie that cannot happen. Imports are
 * few enough to sort.
 */
export class Migration20261206090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "users_name_order_index" on "users" (lower("last_name"), lower("first_name"), "id");`);
    this.addSql(`create index "users_created_at_id_index" on "users" ("created_at", "id");`);
    this.addSql(`create index "users_status_id_index" on "users" ("status", "id");`);
    this.addSql(`drop index "users_status_index";`);
    this.addSql(`create index "companies_name_order_index" on "companies" (lower("name"), "id");`);
    this.addSql(`create index "companies_created_at_id_index" on "companies" ("created_at", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "users_name_order_index";`);
    this.addSql(`drop index "users_created_at_id_index";`);
    this.addSql(`create index "users_status_index" on "users" ("status");`);
    this.addSql(`drop index "users_status_id_index";`);
    this.addSql(`drop index "companies_name_order_index";`);
    this.addSql(`drop index "companies_created_at_id_index";`);
  }
}
