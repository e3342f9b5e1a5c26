import { randomUUID } from 'node:crypto';
import { createApiKeySecret } from '../../src/modules/auth/api-key-secret';
import { createOneTimeToken } from '../../src/modules/auth/one-time-token';
import type { LegalTerm } from '../../src/modules/legal-term/legal-term.entity';
import type { World } from '../helpers/fixtures';
import type { TestApp } from '../helpers/test-app';
import type { Target } from './authorization-matrix';

let serial = 0;

/**
 * Every row of a target, written in one statement: the matrix makes one for each of its 800 cases,
 * where writing them through the ORM took 20 round trips and half of the matrix's time. The user's
 * password hash is the Acme admin's (the fixtures' password).
 */
const TARGET_ROWS = `
  with member as (select id from accesses where key = 'member'),
    manager as (select id from accesses where key = 'manager'),
    target as (
      insert into users (email, first_name, last_name, password_hash, status, avatar_key)
      select :email, 'Target', :lastName, password_hash, 'active', :userAvatar from users where id = :hashOf
      returning id),
    grant_row as (
      insert into user_accesses (user_id, company_id, access_id, "primary")
      select target.id, :acmeEast, member.id, true from target, member returning id),
    second_grant as (
      insert into user_accesses (user_id, company_id, access_id, "primary")
      select target.id, :globexWest, member.id, false from target, member),
    accepted as (insert into legal_term_acceptances (user_id, legal_term_id) select target.id, :acceptedTerms from target),
    reset as (
      insert into password_reset_tokens (user_id, token_hash, expires_at)
      select target.id, :resetHash, now() + interval '1 hour' from target),
    invited as (
      insert into invitations (email, company_id, access_id, token_hash, invited_by_id, expires_at)
      select :inviteeEmail, :acmeEast, member.id, :invitationHash, :acmeAdmin, now() + interval '1 day' from member
      returning id),
    api_key as (
      insert into api_keys (company_id, access_id, created_by_id, name, prefix, secret_hash)
      select :acmeEast, member.id, :acmeAdmin, :label, 'lsk_matrix', :apiKeyHash from member returning id),
    webhook as (
      insert into webhook_endpoints (company_id, url, description, event_types, secret)
      values (:acmeEast, 'http://127.0.0.1:9/hook', :label, array['import.failed'], :enabledSecret) returning id),
    disabled_webhook as (
      insert into webhook_endpoints (company_id, url, description, event_types, secret, disabled_at, disabled_reason)
      values (:acmeEast, 'http://127.0.0.1:9/hook', :label, array['import.failed'], :disabledSecret, now(), 'disabled by an admin')
      returning id),
    avatar as (update companies set avatar_key = :companyAvatar where id = :acmeEast),
    other_device as (
      insert into sessions (id, user_id, expires_at) select :sessionId, target.id, now() + interval '1 day' from target
      returning id),
    refresh as (insert into refresh_tokens (token_hash, session_id) select :refreshHash, id from other_device)
  select target.id as user_id, grant_row.id as grant_id, invited.id as invitation_id, api_key.id as api_key_id,
    webhook.id as webhook_id, disabled_webhook.id as disabled_webhook_id, member.id as member_id, manager.id as manager_id
  from target, grant_row, invited, api_key, webhook, disabled_webhook, member, manager`;

/**
 * A fresh target T for one case of the authorization matrix (or of the audit guard, which runs its
 * rows): member of Acme East and of Globex West, having accepted `acceptedTerms`, with a reset
 * token, a session on another device (and its refresh token), a pending invitation into Acme East,
 * an Acme East API key, two Acme East webhook endpoints (one enabled, with a delivery in its log,
 * one disabled), and an avatar on Acme East to remove. `approvableTerms` is what its
 * approveLegalTerm case approves.
 */
export async function makeTarget(
  app: TestApp,
  world: World,
  terms: { accepted: LegalTerm; approvable: LegalTerm },
): Promise<Target> {
  serial += 1;
  const email = `target-${serial}@example.com`;
  const reset = createOneTimeToken();
  const invitation = createOneTimeToken();
  const refresh = createOneTimeToken();
  const sessionId = randomUUID();
  const connection = app.orm.em.getConnection();
  const [row] = await connection.execute(
    connection.getKnex().raw(TARGET_ROWS, {
      email,
      lastName: `No${serial}`,
      userAvatar: `avatars/users/matrix-${serial}.png`,
      hashOf: world.users.acmeAdmin.id,
      acmeEast: world.companies.acmeEast,
      globexWest: world.companies.globexWest,
      acceptedTerms: terms.accepted.id,
      resetHash: reset.hash,
      inviteeEmail: `invitee-${serial}@example.com`,
      invitationHash: invitation.hash,
      acmeAdmin: world.users.acmeAdmin.id,
      label: `matrix ${serial}`,
      apiKeyHash: createApiKeySecret().hash,
      enabledSecret: `whsec_${createOneTimeToken().token}`,
      disabledSecret: `whsec_${createOneTimeToken().token}`,
      companyAvatar: `avatars/companies/matrix-${serial}.png`,
      sessionId,
      refreshHash: refresh.hash,
    }),
  );
  return {
    userId: row.user_id,
    session: { id: sessionId, refreshToken: refresh.token },
    email,
    grantId: row.grant_id,
    resetToken: reset.token,
    invitationId: row.invitation_id,
    invitationToken: invitation.token,
    apiKeyId: row.api_key_id,
    webhookEndpointId: row.webhook_id,
    disabledWebhookEndpointId: row.disabled_webhook_id,
    webhookDeliveryId: await insertWebhookDelivery(app, row.webhook_id, world.companies.acmeEast),
    serial,
    companies: { acmeEast: world.companies.acmeEast, acmeEastLab: world.companies.acmeEastLab },
    accesses: { member: row.member_id, manager: row.manager_id },
    legalTermId: terms.approvable.id,
  };
}
/** A failed delivery in the endpoint's log, of an event made for it (already handed on, so the relay leaves it). */
export async function insertWebhookDelivery(app: TestApp, endpointId: number, companyId: number): Promise<number> {
  const connection = app.orm.em.getConnection();
  const [event] = await connection.execute(
    `insert into domain_events (type, company_id, payload, webhooks_dispatched_at) values ('import.failed', ?, '{}'::jsonb, now()) returning id`,
    [companyId],
  );
  const [delivery] = await connection.execute(
    `insert into webhook_deliveries (endpoint_id, event_id, attempt, succeeded, final, response_status, latency_ms, error)
      values (?, ?, 1, false, true, null, 1, 'connection refused') returning id`,
    [endpointId, event.id],
  );
  return delivery.id;
}
