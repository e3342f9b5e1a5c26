import { Migration } from '@mikro-orm/migrations';

/**
 * The attempt counters of the rate limits (login, password reset, invitation acceptance): the table
 * rate-limiter-flexible's RateLimiterPostgres would create for itself, created here instead so that
 * no process runs DDL at request time. `expire` is a time in milliseconds since the epoch.
 */
export class Migration20261201090000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "rate_limits" ("key" varchar(255) primary key, "points" integer not null default 0, "expire" bigint);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "rate_limits";`);
  }

}
