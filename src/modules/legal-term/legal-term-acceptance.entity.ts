import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { User } from '../user/user.entity';
import { LegalTerm } from './legal-term.entity';

@ObjectType()
@Entity({ tableName: 'legal_term_acceptances' })
@Unique({ properties: ['user', 'legalTerm'] })
export class LegalTermAcceptance {
  /** Its own id, so that client caches (Apollo's InMemoryCache, urql's graphcache) keep acceptances apart. */
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Index()
  @ManyToOne(() => LegalTerm, { deleteRule: 'restrict' })
  legalTerm!: LegalTerm;

  @Field()
  @Property({ type: 'datetime', defaultRaw: 'now()', onCreate: () => new Date() })
  acceptedAt!: Date;
}
