import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => ID, { description: 'Events of this company and of every company below it are delivered' })
  companyId!: string;

  @Field({ description: 'https (plain http and private addresses only where WEBHOOK_ALLOW_PRIVATE_TARGETS is set)' })
  url!: string;

  @Field(() => [String], { description: 'At least one domain event type, e.g. user.created' })
  eventTypes!: string[];

  @Field(() => String, { nullable: true, description: 'Up to 500 characters' })
  description?: string | null;
}

@InputType({ description: 'Only the fields given change.' })
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}
