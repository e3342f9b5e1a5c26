import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Where a company tree’s domain events are POSTed, signed the Standard Webhooks way.' })
export class WebhookEndpoint {
  @Field(() => ID)
  id!: number;

  companyId!: number;

  @Field()
  url!: string;

  @Field()
  description!: string;

  @Field(() => [String], { description: 'The domain event types delivered (e.g. `user.created`).' })
  eventTypes!: string[];

  @Field({ description: 'False once disabled, by an admin or after a run of failed attempts.' })
  enabled!: boolean;

  @Field(() => Date, { nullable: true })
  disabledAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was disabled.' })
  disabledReason!: string | null;

  @Field(() => Int, { description: 'Failed attempts since the last successful one.' })
  consecutiveFailures!: number;

  @Field(() => Date, {
    nullable: true,
    description: 'Until then, deliveries are signed with the previous secret too (after a rotation).',
  })
  previousSecretExpiresAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType({ description: 'A new endpoint, or one whose secret was rotated, with its signing secret: shown only now.' })
export class WebhookEndpointWithSecret {
  @Field(() => WebhookEndpoint)
  endpoint!: WebhookEndpoint;

  @Field({ description: 'The `whsec_…` secret receivers verify `webhook-signature` with (e.g. the standardwebhooks library).' })
  secret!: string;
}

@ObjectType({ description: 'One attempt to deliver one event to an endpoint: the delivery log.' })
export class WebhookDelivery {
  @Field(() => ID)
  id!: number;

  endpointId!: number;

  @Field(() => ID, { description: 'The domain event delivered; `webhook-id` is `evt_<eventId>`, the same on every attempt.' })
  eventId!: number;

  @Field()
  eventType!: string;

  @Field(() => Int, { description: '1 for the first attempt of a delivery; a redelivery starts again at 1.' })
  attempt!: number;

  @Field({ description: 'SUCCEEDED (a 2xx answer) or FAILED.' })
  status!: 'SUCCEEDED' | 'FAILED';

  @Field({ description: 'False when a retry follows this failed attempt.' })
  final!: boolean;

  @Field(() => Int, { nullable: true, description: 'The HTTP status the receiver answered, if it answered.' })
  responseStatus!: number | null;

  @Field(() => Int)
  latencyMs!: number;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => String, { nullable: true, description: 'The first KiB of the answer.' })
  responseBody!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}
