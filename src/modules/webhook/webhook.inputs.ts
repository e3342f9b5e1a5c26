import { IsOptional } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { IsRowId } from '../../shared/field-rule-validators';
import { IsWebhookDescription, IsWebhookEventTypes, IsWebhookUrl } from './webhook-fields';

@InputType()
export class CreateWebhookEndpointInput {
  @Field(() => ID, { description: 'Events of this company and of every company below it are delivered' })
  @IsRowId()
  companyId!: string;

  @Field({ description: 'https (plain http and private addresses only where WEBHOOK_ALLOW_PRIVATE_TARGETS is set)' })
  @IsWebhookUrl()
  url!: string;

  @Field(() => [String], { description: 'At least one domain event type, e.g. user.created' })
  @IsWebhookEventTypes()
  eventTypes!: string[];

  @Field(() => String, { nullable: true, description: 'Up to 500 characters' })
  @IsOptional()
  @IsWebhookDescription()
  description?: string | null;
}

@InputType({ description: 'Only the fields given change.' })
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsWebhookUrl()
  url?: string | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsWebhookEventTypes()
  eventTypes?: string[] | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsWebhookDescription()
  description?: string | null;
}
