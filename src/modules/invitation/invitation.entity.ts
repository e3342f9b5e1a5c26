import { Entity, Enum, Index, ManyToOne, type Opt, Property } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';
import { Access } from '../access/access.entity';
import { Company } from '../company/company.entity';
import { MAX_EMAIL_LENGTH, MAX_PERSON_NAME_LENGTH } from '../../shared/field-rules';
import { User } from '../user/user.entity';

export enum InvitationStatus {
  PENDING = 'pending',
  ACCEPTED = 'accepted',
  REVOKED = 'revoked',
  EXPIRED = 'expired',
}
registerEnumType(InvitationStatus, { name: 'InvitationStatus' });

/**
 * An invitation to join a company with an access. Only the SHA-256 of its token is stored;
 * a partial unique index allows one pending invitation per email and company.
 */
@ObjectType()
@Entity({ tableName: 'invitations' })
export class Invitation extends IdentifiedEntity {
  @Field()
  @Index()
  @Property({ type: 'string', length: MAX_EMAIL_LENGTH })
  email!: string;

  @Index()
  @ManyToOne(() => Company, { deleteRule: 'cascade' })
  company!: Company;

  @ManyToOne(() => Access, { deleteRule: 'restrict' })
  access!: Access;

  @Field(() => InvitationStatus)
  @Enum({ items: () => InvitationStatus, default: InvitationStatus.PENDING })
  status: Opt<InvitationStatus> = InvitationStatus.PENDING;

  @Property({ type: 'string', length: 64, unique: true, hidden: true })
  tokenHash!: string;

  @Index()
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  invitedBy?: User | null;

  @Property({ type: 'string', length: MAX_PERSON_NAME_LENGTH, nullable: true })
  firstName?: string | null;

  @Property({ type: 'string', length: MAX_PERSON_NAME_LENGTH, nullable: true })
  lastName?: string | null;

  @Field()
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  acceptedAt?: Date | null;
}
