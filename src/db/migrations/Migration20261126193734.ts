import { Migration } from '@mikro-orm/migrations';

export class Migration20261126193734 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "accesses" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "key" varchar(50) not null, "name" varchar(100) not null, "description" text null, "rank" int not null);`);
    this.addSql(`alter table "accesses" add constraint "accesses_key_unique" unique ("key");`);
    this.addSql(`alter table "accesses" add constraint "accesses_rank_unique" unique ("rank");`);

    this.addSql(`create table "legal_terms" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "version" varchar(50) not null, "title" varchar(200) not null, "body" text not null, "published_at" timestamptz null);`);
    this.addSql(`alter table "legal_terms" add constraint "legal_terms_version_unique" unique ("version");`);
    this.addSql(`create index "legal_terms_published_at_index" on "legal_terms" ("published_at");`);

    this.addSql(`create table "memberships" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(100) not null, "description" text null, "max_users" int null, "price_cents" int not null, "currency" varchar(3) not null, "features" text[] not null default '{}');`);
    this.addSql(`alter table "memberships" add constraint "memberships_name_unique" unique ("name");`);

    this.addSql(`create table "companies" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(200) not null, "is_default" boolean not null default false, "parent_id" int null, "membership_id" int null, "avatar_key" varchar(255) null, constraint companies_default_is_root check (not is_default or parent_id is null));`);
    this.addSql(`create index "companies_parent_id_index" on "companies" ("parent_id");`);
    this.addSql(`create index "companies_membership_id_index" on "companies" ("membership_id");`);

    this.addSql(`create table "stages" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(100) not null, "position" int not null);`);
    this.addSql(`alter table "stages" add constraint "stages_name_unique" unique ("name");`);
    this.addSql(`alter table "stages" add constraint "stages_position_unique" unique ("position");`);

    this.addSql(`create table "users" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "first_name" varchar(100) not null, "last_name" varchar(100) not null, "email" varchar(254) not null, "password_hash" varchar(255) null, "status" text check ("status" in ('pending', 'active', 'inactive')) not null default 'pending', "avatar_key" varchar(255) null, "onboarding_completed_at" timestamptz null, "credentials_changed_at" timestamptz null, constraint users_email_lowercase check (email = lower(email)));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "password_reset_tokens" ("id" serial primary key, "user_id" int not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "password_reset_tokens_user_id_index" on "password_reset_tokens" ("user_id");`);
    this.addSql(`alter table "password_reset_tokens" add constraint "password_reset_tokens_token_hash_unique" unique ("token_hash");`);

    this.addSql(`create table "legal_term_acceptances" ("id" serial primary key, "user_id" int not null, "legal_term_id" int not null, "accepted_at" timestamptz not null default now());`);
    this.addSql(`create index "legal_term_acceptances_legal_term_id_index" on "legal_term_acceptances" ("legal_term_id");`);
    this.addSql(`alter table "legal_term_acceptances" add constraint "legal_term_acceptances_user_id_legal_term_id_unique" unique ("user_id", "legal_term_id");`);

    this.addSql(`create table "invitations" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "email" varchar(254) not null, "company_id" int not null, "access_id" int not null, "status" text check ("status" in ('pending', 'accepted', 'revoked', 'expired')) not null default 'pending', "token_hash" varchar(64) not null, "invited_by_id" int null, "first_name" varchar(100) null, "last_name" varchar(100) null, "expires_at" timestamptz not null, "accepted_at" timestamptz null);`);
    this.addSql(`create index "invitations_email_index" on "invitations" ("email");`);
    this.addSql(`create index "invitations_company_id_index" on "invitations" ("company_id");`);
    this.addSql(`alter table "invitations" add constraint "invitations_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "invitations_invited_by_id_index" on "invitations" ("invited_by_id");`);

    this.addSql(`create table "import_files" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(255) not null, "company_id" int not null, "created_by_id" int null, "storage_key" varchar(255) not null, "status" text check ("status" in ('queued', 'processing', 'completed', 'failed')) not null default 'queued', "total_rows" int not null default 0, "processed_rows" int not null default 0, "created_count" int not null default 0, "failed_count" int not null default 0, "started_at" timestamptz null, "finished_at" timestamptz null, "locked_by" varchar(100) null, "locked_until" timestamptz null);`);
    this.addSql(`create index "import_files_company_id_index" on "import_files" ("company_id");`);
    this.addSql(`create index "import_files_status_locked_until_index" on "import_files" ("status", "locked_until");`);

    this.addSql(`create table "import_row_errors" ("id" serial primary key, "import_file_id" int not null, "row" int not null, "field" varchar(100) null, "message" varchar(500) not null);`);
    this.addSql(`alter table "import_row_errors" add constraint "import_row_errors_import_file_id_row_unique" unique ("import_file_id", "row");`);

    this.addSql(`create table "user_accesses" ("id" serial primary key, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" int not null, "company_id" int not null, "access_id" int not null, "primary" boolean not null default false);`);
    this.addSql(`create index "user_accesses_company_id_index" on "user_accesses" ("company_id");`);
    this.addSql(`create index "user_accesses_access_id_index" on "user_accesses" ("access_id");`);
    this.addSql(`alter table "user_accesses" add constraint "user_accesses_user_id_company_id_unique" unique ("user_id", "company_id");`);

    this.addSql(`alter table "companies" add constraint "companies_parent_id_foreign" foreign key ("parent_id") references "companies" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "companies" add constraint "companies_membership_id_foreign" foreign key ("membership_id") references "memberships" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "password_reset_tokens" add constraint "password_reset_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "legal_term_acceptances" add constraint "legal_term_acceptances_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "legal_term_acceptances" add constraint "legal_term_acceptances_legal_term_id_foreign" foreign key ("legal_term_id") references "legal_terms" ("id") on update cascade on delete restrict;`);

    this.addSql(`alter table "invitations" add constraint "invitations_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "invitations" add constraint "invitations_access_id_foreign" foreign key ("access_id") references "accesses" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "invitations" add constraint "invitations_invited_by_id_foreign" foreign key ("invited_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "import_files" add constraint "import_files_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "import_files" add constraint "import_files_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "import_row_errors" add constraint "import_row_errors_import_file_id_foreign" foreign key ("import_file_id") references "import_files" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "user_accesses" add constraint "user_accesses_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "user_accesses" add constraint "user_accesses_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "user_accesses" add constraint "user_accesses_access_id_foreign" foreign key ("access_id") references "accesses" ("id") on update cascade on delete restrict;`);

    // Rules the entity decorators cannot express: at most one default company, exactly one
    // primary grant per user, one pending invitation per email and company.
    this.addSql(`create unique index "companies_single_default" on "companies" ("is_default") where "is_default";`);
    this.addSql(`create unique index "user_accesses_single_primary" on "user_accesses" ("user_id") where "primary";`);
    this.addSql(`create unique index "invitations_single_pending" on "invitations" ("email", "company_id") where "status" = 'pending';`);
    this.addSql(`create index "users_status_index" on "users" ("status");`);
  }

  override async down(): Promise<void> {
    for (const table of [
      'import_row_errors', 'import_files', 'invitations', 'legal_term_acceptances', 'password_reset_tokens',
      'user_accesses', 'users', 'stages', 'companies', 'memberships', 'legal_terms', 'accesses',
    ]) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }

}
