import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { loadExisting } from '../../db/load-existing';
import { parseId, parseOptionalId } from '../../shared/ids';
import type { MaybePromise } from '../../shared/maybe-promise';
import { Company } from '../company/company.entity';
import type { RequestContext } from '../request-context';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhook.inputs';
import { WebhookDelivery, WebhookEndpoint, WebhookEndpointWithSecret } from './webhook.types';

/** Webhook endpoints and their delivery logs: for admins of the endpoint's company (`webhook.manage`). */
@Resolver(() => WebhookEndpoint)
export class WebhookResolver {
  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'Registers an endpoint for the events of a company tree; the signing secret is shown only in this answer.',
  })
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpointWithSecret> {
    return ctx.services.webhooks.create(input);
  }

  @Query(() => [WebhookEndpoint], {
    description: 'The endpoints registered for a company (not those of companies below), newest first.',
  })
  webhookEndpoints(@Arg('companyId', () => ID) companyId: string, @Ctx() ctx: RequestContext): Promise<WebhookEndpoint[]> {
    return ctx.services.webhooks.list(parseId(companyId, 'companyId'));
  }

  @Query(() => WebhookEndpoint)
  webhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.find(parseId(id, 'id'));
  }

  @Mutation(() => WebhookEndpoint, { description: 'Changes the URL, the event types or the description.' })
  updateWebhookEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.update(parseId(id, 'id'), input);
  }

  @Mutation(() => WebhookEndpoint, { description: 'Stops deliveries until the endpoint is enabled again.' })
  disableWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.disable(parseId(id, 'id'));
  }

  @Mutation(() => WebhookEndpoint, {
    description:
      'Delivers the events committed from now on again and resets the run of failures; redeliver missed ones from the log.',
  })
  enableWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<WebhookEndpoint> {
    return ctx.services.webhooks.enable(parseId(id, 'id'));
  }

  @Mutation(() => Boolean, { description: 'Deletes the endpoint and its delivery log.' })
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.webhooks.delete(parseId(id, 'id'));
  }

  @Mutation(() => WebhookEndpointWithSecret, {
    description: 'A new signing secret, shown only in this answer; the previous one keeps signing too for 24 hours.',
  })
  rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<WebhookEndpointWithSecret> {
    return ctx.services.webhooks.rotateSecret(parseId(id, 'id'));
  }

  @Query(() => [WebhookDelivery], { description: 'The delivery log of an endpoint: one entry per attempt, newest first.' })
  webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('first', () => Int, { defaultValue: 50, description: '1 to 100' }) first: number,
    @Arg('before', () => ID, { nullable: true, description: 'Only entries older than this one (paging back)' })
    before: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookDelivery[]> {
    return ctx.services.webhooks.deliveries(parseId(endpointId, 'endpointId'), first, parseOptionalId(before, 'before') ?? null);
  }

  @Mutation(() => Boolean, {
    description: 'Sends the event of a delivery-log entry to its endpoint again, as a new delivery with its own retries.',
  })
  redeliverEvent(
    @Arg('id', () => ID, { description: 'A delivery-log entry' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<boolean> {
    return ctx.services.webhooks.redeliver(parseId(id, 'id'));
  }

  @FieldResolver(() => Company)
  company(@Root() endpoint: WebhookEndpoint, @Ctx() ctx: RequestContext): MaybePromise<Company> {
    return loadExisting(ctx.loaders.companyById, endpoint.companyId, 'company');
  }
}
