import { Field, ID, ObjectType } from 'type-graphql';
import { JSONScalar } from '../../graphql/scalars';
import type { PublishedEvent } from '../events/event-bus';

@ObjectType({ description: 'A committed domain event of a company (user.created, access.granted, import.completed...).' })
export class DomainEvent {
  @Field(() => ID)
  id!: number;

  @Field({ description: 'One of the domain event types, e.g. `user.created`.' })
  type!: string;

  @Field(() => ID, { description: 'The company whose tree heard it.' })
  companyId!: number;

  @Field()
  occurredAt!: Date;

  @Field(() => JSONScalar, { description: 'The object as the graph would return it, without secrets.' })
  payload!: Record<string, unknown>;

  static of(event: PublishedEvent): DomainEvent {
    return Object.assign(new DomainEvent(), event);
  }
}
