import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadExisting } from '../../db/load-existing';
import { invalidField, notFound } from '../../shared/errors';
import { parseId } from '../../shared/ids';
import { authorize } from '../auth/policy';
import { changedFields } from '../audit/audit-trail';
import type { RequestContext } from '../request-context';
import { checkedDescription, checkedEventTypes } from './webhook-fields';
import { queueWebhookDelivery } from './webhook-jobs';
import { deliveriesOf, endpointsOf, findDelivery, findEndpoint, RETURNING_ENDPOINT, writeEndpoint } from './webhook-store';
import { assertPublicTarget, checkWebhookUrl } from './webhook-target';
import type { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhook.inputs';
import type { WebhookDelivery, WebhookEndpoint } from './webhook.types';

/** After a rotation, the previous secret signs too for this long, so receivers can switch without losing a delivery. */
const PREVIOUS_SECRET_HOURS = 24;
const MAX_DELIVERIES_PAGE = 100;

export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Webhook endpoints of a company tree, managed by its admins (`webhook.manage`): registration,
 * changes, disabling, secret rotation, the delivery log and redelivery. Every change is audited.
 */
export class WebhookService {
  constructor(private readonly ctx: RequestContext) {}

  async create(input: CreateWebhookEndpointInput): Promise<EndpointWithSecret> {
    const viewer = this.ctx.requireViewer();
    const companyId = parseId(input.companyId, 'companyId');
    await this.authorizeCompany(companyId);
    const url = await this.checkedUrl(input.url);
    const eventTypes = checkedEventTypes(input.eventTypes);
    const description = checkedDescription(input.description ?? '');
    const secret = newSecret();
    const endpoint = await this.ctx.em.transactional(async (tx) => {
      const created = await writeEndpoint(
        tx,
        `insert into webhook_endpoints (company_id, created_by_id, url, description, event_types, secret)
          values (?, ?, ?, ?, ?::text[], ?) ${RETURNING_ENDPOINT}`,
        [companyId, viewer.id, url, description, eventTypes, secret],
      );
      await this.audit(
        tx,
        'webhook.create',
        created!,
        changedFields({}, { url, eventTypes, description }, ['url', 'eventTypes', 'description']),
      );
      return created!;
    });
    return { endpoint, secret };
  }

  async list(companyId: number): Promise<WebhookEndpoint[]> {
    await this.authorizeCompany(companyId);
    return endpointsOf(this.ctx.em, companyId);
  }

  /** NOT_FOUND when the viewer does not see the endpoint's company, FORBIDDEN below admin there. */
  async find(id: number): Promise<WebhookEndpoint> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const endpoint = await findEndpoint(this.ctx.em, id);
    if (!endpoint || !scope.canSeeCompany(endpoint.companyId)) throw notFound('webhook endpoint', id);
    authorize(scope, 'webhook.manage', endpoint.companyId, { kind: 'webhook endpoint', id });
    return endpoint;
  }

  async update(id: number, input: UpdateWebhookEndpointInput): Promise<WebhookEndpoint> {
    const before = await this.find(id);
    const after = {
      url: input.url != null ? await this.checkedUrl(input.url) : before.url,
      eventTypes: input.eventTypes != null ? checkedEventTypes(input.eventTypes) : before.eventTypes,
      description: input.description != null ? checkedDescription(input.description) : before.description,
    };
    return this.change(id, 'webhook.update', changedFields(before, after, ['url', 'eventTypes', 'description']), [
      `update webhook_endpoints set url = ?, event_types = ?::text[], description = ?, updated_at = now() where id = ? ${RETURNING_ENDPOINT}`,
      [after.url, after.eventTypes, after.description, id],
    ]);
  }

  /** Stops deliveries (those queued end without an attempt); disabling a disabled endpoint changes nothing. */
  async disable(id: number): Promise<WebhookEndpoint> {
    const before = await this.find(id);
    if (!before.enabled) return before;
    return this.change(id, 'webhook.disable', { enabled: { old: true, new: false } }, [
      `update webhook_endpoints set disabled_at = now(), disabled_reason = 'disabled by an admin', updated_at = now()
        where id = ? ${RETURNING_ENDPOINT}`,
      [id],
    ]);
  }

  /** Deliveries start again with the events committed from now on; failed ones can be redelivered. */
  async enable(id: number): Promise<WebhookEndpoint> {
    const before = await this.find(id);
    if (before.enabled) return before;
    return this.change(id, 'webhook.enable', { enabled: { old: false, new: true } }, [
      `update webhook_endpoints set disabled_at = null, disabled_reason = null, consecutive_failures = 0, updated_at = now()
        where id = ? ${RETURNING_ENDPOINT}`,
      [id],
    ]);
  }

  /** The endpoint and its delivery log go; deliveries still queued end without an attempt. */
  async delete(id: number): Promise<boolean> {
    const endpoint = await this.find(id);
    await this.ctx.em.transactional(async (tx) => {
      if (await writeEndpoint(tx, `delete from webhook_endpoints where id = ? ${RETURNING_ENDPOINT}`, [id])) {
        await this.audit(tx, 'webhook.delete', endpoint, { url: { old: endpoint.url, new: null } });
      }
    });
    return true;
  }

  /** A new secret signs from now on; the previous one signs too for `PREVIOUS_SECRET_HOURS`. */
  async rotateSecret(id: number): Promise<EndpointWithSecret> {
    await this.find(id);
    const secret = newSecret();
    const endpoint = await this.change(id, 'webhook.rotate_secret', { secret: { old: null, new: '[changed]' } }, [
      `update webhook_endpoints set previous_secret = secret, secret = ?,
          previous_secret_expires_at = now() + interval '${PREVIOUS_SECRET_HOURS} hours', updated_at = now()
        where id = ? ${RETURNING_ENDPOINT}`,
      [secret, id],
    ]);
    return { endpoint, secret };
  }

  async deliveries(endpointId: number, first: number, before: number | null): Promise<WebhookDelivery[]> {
    await this.find(endpointId);
    if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERIES_PAGE) {
      throw invalidField('first', `must be between 1 and ${MAX_DELIVERIES_PAGE}`);
    }
    return deliveriesOf(this.ctx.em, endpointId, first, before);
  }

  /** Sends the event of a logged delivery to its endpoint again, as a new delivery (attempts from 1, same `webhook-id`). */
  async redeliver(deliveryId: number): Promise<boolean> {
    this.ctx.requireViewer();
    const delivery = await findDelivery(this.ctx.em, deliveryId);
    const scope = await this.ctx.scope();
    const endpoint = delivery && (await findEndpoint(this.ctx.em, delivery.endpointId));
    if (!delivery || !endpoint || !scope.canSeeCompany(endpoint.companyId)) throw notFound('webhook delivery', deliveryId);
    authorize(scope, 'webhook.manage', endpoint.companyId, { kind: 'webhook delivery', id: deliveryId });
    if (!endpoint.enabled) throw invalidField('id', 'belongs to a disabled endpoint: enable it first');
    await this.ctx.em.transactional(async (tx) => {
      await queueWebhookDelivery(this.ctx.deps.jobs, tx, { endpointId: endpoint.id, eventId: delivery.eventId });
      await this.audit(tx, 'webhook.redeliver', endpoint, { eventId: { old: null, new: delivery.eventId } });
    });
    return true;
  }

  private async authorizeCompany(companyId: number): Promise<void> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    authorize(scope, 'webhook.manage', companyId, { kind: 'company', id: companyId });
    await loadExisting(this.ctx.loaders.companyById, companyId, 'company');
  }

  private async checkedUrl(raw: string): Promise<string> {
    const rules = { allowPrivateTargets: this.ctx.deps.config.webhooks.allowPrivateTargets };
    const url = checkWebhookUrl(raw, rules);
    await assertPublicTarget(url, rules);
    return url.toString();
  }

  /** One statement changing the endpoint (ending with `RETURNING_ENDPOINT`), and its audit event, in one transaction. */
  private async change(
    id: number,
    action: 'webhook.update' | 'webhook.disable' | 'webhook.enable' | 'webhook.rotate_secret',
    changes: Record<string, { old: unknown; new: unknown }>,
    [sql, values]: [string, unknown[]],
  ): Promise<WebhookEndpoint> {
    return this.ctx.em.transactional(async (tx) => {
      const endpoint = await writeEndpoint(tx, sql, values);
      if (!endpoint) throw notFound('webhook endpoint', id);
      await this.audit(tx, action, endpoint, changes);
      return endpoint;
    });
  }

  private audit(
    tx: EntityManager,
    action: Parameters<RequestContext['services']['audit']['record']>[1]['action'],
    endpoint: WebhookEndpoint,
    changes: Record<string, { old: unknown; new: unknown }>,
  ): Promise<void> {
    return this.ctx.services.audit.record(tx, {
      action,
      targetType: 'webhook_endpoint',
      targetId: endpoint.id,
      companyId: endpoint.companyId,
      changes,
    });
  }
}
