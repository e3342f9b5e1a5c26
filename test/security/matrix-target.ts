import { Access } from '../../src/modules/access/access.entity';
import { UserAccess } from '../../src/modules/access/user-access.entity';
import { ApiKey } from '../../src/modules/api-key/api-key.entity';
import { createApiKeySecret } from '../../src/modules/auth/api-key-secret';
import { createOneTimeToken } from '../../src/modules/auth/one-time-token';
import { Company } from '../../src/modules/company/company.entity';
import { Invitation } from '../../src/modules/invitation/invitation.entity';
import { LegalTermAcceptance } from '../../src/modules/legal-term/legal-term-acceptance.entity';
import type { LegalTerm } from '../../src/modules/legal-term/legal-term.entity';
import { HOUR_MS, issuePasswordToken } from '../../src/modules/password-reset/password-reset-tokens';
import { User, UserStatus } from '../../src/modules/user/user.entity';
import type { World } from '../helpers/fixtures';
import { sessionIdOf, sessionToken } from '../helpers/sessions';
import type { TestApp } from '../helpers/test-app';
import type { Target } from './authorization-matrix';

let serial = 0;

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
  const em = app.orm.em.fork();
  const [member, manager] = await Promise.all([
    em.findOneOrFail(Access, { key: 'member' }),
    em.findOneOrFail(Access, { key: 'manager' }),
  ]);
  const passwordHash = (await em.findOneOrFail(User, world.users.acmeAdmin.id, { populate: ['passwordHash'] })).passwordHash;
  const user = em.create(User, {
    email: `target-${serial}@example.com`,
    firstName: 'Target',
    lastName: `No${serial}`,
    passwordHash,
    status: UserStatus.ACTIVE,
    avatarKey: `avatars/users/matrix-${serial}.png`,
  });
  const grant = em.create(UserAccess, { user, company: world.companies.acmeEast, access: member, primary: true });
  em.create(UserAccess, { user, company: world.companies.globexWest, access: member, primary: false });
  em.create(LegalTermAcceptance, { user, legalTerm: terms.accepted, acceptedAt: new Date() });
  await em.flush();
  const resetToken = issuePasswordToken(em, user, HOUR_MS);
  const invitation = createOneTimeToken();
  const invited = em.create(Invitation, {
    email: `invitee-${serial}@example.com`,
    company: world.companies.acmeEast,
    access: member,
    tokenHash: invitation.hash,
    invitedBy: world.users.acmeAdmin.id,
    expiresAt: new Date(Date.now() + 24 * HOUR_MS),
  });
  const apiKey = em.create(ApiKey, {
    company: world.companies.acmeEast,
    access: member,
    createdBy: world.users.acmeAdmin.id,
    name: `matrix ${serial}`,
    prefix: 'lsk_matrix',
    secretHash: createApiKeySecret().hash,
  });
  await em.flush();
  const webhook = await insertWebhookEndpoint(app, world.companies.acmeEast, { serial });
  const disabledWebhook = await insertWebhookEndpoint(app, world.companies.acmeEast, { serial, disabled: true });
  const webhookDeliveryId = await insertWebhookDelivery(app, webhook, world.companies.acmeEast);
  // A company avatar to remove, so that a removal that went through shows.
  await em.nativeUpdate(Company, { id: world.companies.acmeEast }, { avatarKey: `avatars/companies/matrix-${serial}.png` });
  return {
    userId: user.id,
    session: await sessionOnAnotherDevice(app, user.id),
    email: user.email,
    grantId: grant.id,
    resetToken,
    invitationId: invited.id,
    invitationToken: invitation.token,
    apiKeyId: apiKey.id,
    webhookEndpointId: webhook,
    disabledWebhookEndpointId: disabledWebhook,
    webhookDeliveryId,
    serial,
    companies: { acmeEast: world.companies.acmeEast, acmeEastLab: world.companies.acmeEastLab },
    accesses: { member: member.id, manager: manager.id },
    legalTermId: terms.approvable.id,
  };
}

/** A session of the user with a refresh token, as a login on another device leaves. */
async function sessionOnAnotherDevice(app: TestApp, userId: number): Promise<Target['session']> {
  const id = sessionIdOf(await sessionToken(app, userId));
  const refresh = createOneTimeToken();
  await app.orm.em
    .getConnection()
    .execute('insert into refresh_tokens (token_hash, session_id) values (?, ?)', [refresh.hash, id]);
  return { id, refreshToken: refresh.token };
}

/**
 * An endpoint of `companyId` written straight to the table (so that no URL check runs), listening to
 * `import.failed` only: no case of the suites commits one, so no delivery is queued to it unasked.
 */
export async function insertWebhookEndpoint(
  app: TestApp,
  companyId: number,
  { serial: label = 0, disabled = false }: { serial?: number; disabled?: boolean } = {},
): Promise<number> {
  const [row] = await app.orm.em.getConnection().execute(
    `insert into webhook_endpoints (company_id, url, description, event_types, secret, disabled_at, disabled_reason)
      values (?, ?, ?, array['import.failed'], ?, ${disabled ? "now(), 'disabled by an admin'" : 'null, null'}) returning id`,
    [companyId, 'http://127.0.0.1:9/hook', `matrix ${label}`, `whsec_${createOneTimeToken().token}`],
  );
  return row.id;
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
