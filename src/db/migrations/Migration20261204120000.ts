import { Migration } from '@mikro-orm/migrations';

/**
 * A plan belongs to a tree's root and bounds the whole tree, so every child company takes its
 * root's plan. Admins could choose a child's plan before: this undoes any such choice.
 */
export class Migration20261204120000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`with recursive tree (id, root_membership_id) as (
        select id, membership_id from companies where parent_id is null
        union all
        select c.id, tree.root_membership_id from companies c join tree on c.parent_id = tree.id
      )
      update companies c set membership_id = tree.root_membership_id, updated_at = now()
        from tree where c.id = tree.id and c.membership_id is distinct from tree.root_membership_id;`);
  }

  override async down(): Promise<void> {
    // The children's former plans are not kept: going back leaves them on their root's plan.
  }
}
