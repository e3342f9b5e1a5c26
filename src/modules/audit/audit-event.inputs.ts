import { Field, ID, InputType, registerEnumType } from 'type-graphql';

/** The longest `action`, `targetType` and `targetId` a filter takes: their columns' lengths. */
export const MAX_AUDIT_ACTION_LENGTH = 64;
export const MAX_AUDIT_TARGET_TYPE_LENGTH = 32;
export const MAX_AUDIT_TARGET_ID_LENGTH = 64;

export enum AuditEventOrder {
  NEWEST_FIRST = 'NEWEST_FIRST',
  OLDEST_FIRST = 'OLDEST_FIRST',
}
registerEnumType(AuditEventOrder, {
  name: 'AuditEventOrder',
  description: 'The order of the audit trail, by id (the order events were written in).',
});

@InputType({ description: 'Every condition given must hold.' })
export class AuditEventFilter {
  @Field(() => ID, { nullable: true, description: 'Events of this company (not of its child companies).' })
  companyId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Events a person made themselves (not with an API key).' })
  actorId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `The kind of target, e.g. \`user\` (at most ${MAX_AUDIT_TARGET_TYPE_LENGTH} characters).`,
  })
  targetType?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `The target's id, e.g. \`42\` (at most ${MAX_AUDIT_TARGET_ID_LENGTH} characters).`,
  })
  targetId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `The action, e.g. \`user.update\` (at most ${MAX_AUDIT_ACTION_LENGTH} characters).`,
  })
  action?: string | null;

  @Field(() => Date, { nullable: true, description: 'Events at or after this instant.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Events before this instant (not at it); not before `from`.' })
  to?: Date | null;
}
