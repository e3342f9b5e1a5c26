import { FollowsListRule, FollowsRule } from '../../shared/field-rule-validators';
import { invalidField } from '../../shared/errors';
import { webhookDescriptionProblem, webhookUrlShapeProblem } from '../../shared/field-rules';
import { DOMAIN_EVENT_TYPES } from '../events/event-bus';

/**
 * The rules of a webhook endpoint's fields. Its inputs carry them as decorators, so that every
 * invalid field is reported at once in the validation step; the service normalises with the same
 * rules (and throws for the first problem, which validation has then already ruled out).
 */
/** The event types an endpoint receives: trimmed, without repeats, at least one, each a known type. */
export function eventTypesCheck(given: string[]): { value: string[]; problem?: undefined } | { problem: string } {
  const types = [...new Set(given.map((type) => type.trim()))];
  if (!types.length) return { problem: 'must name at least one event type' };
  const unknown = types.filter((type) => !(DOMAIN_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length) {
    return { problem: `has unknown event types (${unknown.join(', ')}); known: ${DOMAIN_EVENT_TYPES.join(', ')}` };
  }
  return { value: types };
}

export function checkedEventTypes(given: string[]): string[] {
  const checked = eventTypesCheck(given);
  if (checked.problem !== undefined) throw invalidField('eventTypes', checked.problem);
  return checked.value;
}

export function checkedDescription(given: string): string {
  const problem = webhookDescriptionProblem(given);
  if (problem !== undefined) throw invalidField('description', problem);
  return given.trim();
}

/**
 * The shape of the URL that every setting accepts (at most 2048 characters, https or http, no user
 * name, password or fragment). Whether plain http and private hosts are allowed depends on
 * WEBHOOK_ALLOW_PRIVATE_TARGETS, and resolving the host needs the network: the service checks those.
 */
export const IsWebhookUrl = () => FollowsRule('webhookUrl', (raw) => webhookUrlShapeProblem(raw, { allowHttp: true }));
export const IsWebhookEventTypes = () => FollowsListRule('webhookEventTypes', (given) => eventTypesCheck(given).problem);
export const IsWebhookDescription = () => FollowsRule('webhookDescription', webhookDescriptionProblem);
