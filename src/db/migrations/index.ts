import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126193734 } from './Migration20261126193734';
import { Migration20261201090000 } from './Migration20261201090000';
import { Migration20261204120000 } from './Migration20261204120000';
import { Migration20261205090000 } from './Migration20261205090000';
import { Migration20261205130000 } from './Migration20261205130000';
import { Migration20261205180000 } from './Migration20261205180000';
import { Migration20261205190000 } from './Migration20261205190000';
import { Migration20261205200000 } from './Migration20261205200000';
import { Migration20261206090000 } from './Migration20261206090000';

/** Migrations in the order they run; a new migration is added here as well as in this folder. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261126193734', class: Migration20261126193734 },
  { name: 'Migration20261201090000', class: Migration20261201090000 },
  { name: 'Migration20261204120000', class: Migration20261204120000 },
  { name: 'Migration20261205090000', class: Migration20261205090000 },
  { name: 'Migration20261205130000', class: Migration20261205130000 },
  { name: 'Migration20261205180000', class: Migration20261205180000 },
  { name: 'Migration20261205190000', class: Migration20261205190000 },
  { name: 'Migration20261205200000', class: Migration20261205200000 },
  { name: 'Migration20261206090000', class: Migration20261206090000 },
];
