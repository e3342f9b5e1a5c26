import { Entity, type Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

/** One field a change touched: its value before and after (never a secret). */
export interface FieldChange {
  old: unknown;
  new: unknown;
}

/**
 * One line of the audit trail, written in the transaction of the change it records. Append-only:
 * a trigger refuses updates and deletes (except retention pruning). Ids are kept as plain values,
 * without foreign keys, so an event outlives what it names.
 */
@ObjectType({ description: 'One line of the audit trail: who did what to which target, when and from where. Never changes.' })
@Entity({ tableName: 'audit_events' })
export class AuditEvent {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date() })
  occurredAt!: Opt<Date>;

  @Property({ type: 'integer', nullable: true })
  actorUserId?: number | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The API key the change was made with (null: by a person, or by nobody signed in).',
  })
  @Property({ type: 'integer', nullable: true })
  actorApiKeyId?: number | null;

  @Field({ description: 'What happened, `<target>.<verb>`: `user.update`, `session.login_failed`, `access.grant`…' })
  @Property({ type: 'string', length: 64 })
  action!: string;

  @Field({ description: 'The kind of record the event is about: `user`, `company`, `session`…' })
  @Property({ type: 'string', length: 32 })
  targetType!: string;

  @Field(() => String, { nullable: true, description: 'The id of that record, as text.' })
  @Property({ type: 'string', length: 64, nullable: true })
  targetId?: string | null;

  @Property({ type: 'integer', nullable: true })
  companyId?: number | null;

  @Property({ type: 'json', nullable: true })
  changes?: Record<string, FieldChange> | null;

  @Field(() => String, { nullable: true, description: 'The id of the request that made the change (the X-Request-Id answered).' })
  @Property({ type: 'string', length: 128, nullable: true })
  requestId?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 64, nullable: true })
  clientIp?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 512, nullable: true })
  userAgent?: string | null;
}
