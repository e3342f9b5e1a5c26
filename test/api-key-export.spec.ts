import { insertAuditEvents } from './helpers/audit-events';
import { useTestWorld } from './helpers/setup';

/**
 * A streamed export runs one operation per page, but it is one HTTP request: it counts once
 * against its API key's rate, so a long export is never cut by the key's own limit.
 */
const { app, world } = useTestWorld({ RATE_LIMIT_PER_API_KEY: '3' });

it('counts an export of several pages as one request of the key', async () => {
  const { body } = await app.graphql(
    `mutation($c: ID!, $a: ID!) { createApiKey(input: { companyId: $c, accessId: $a, name: "Exporter" }) { secret } }`,
    { c: String(world.companies.acme), a: String(world.accessIds.admin) },
    world.token('acmeAdmin'),
  );
  const key = { authorization: `Bearer ${body.data.createApiKey.secret}` };
  const occurredAt = new Date(Date.now() - 60_000);
  await insertAuditEvents(
    app,
    Array.from({ length: 3500 }, (_, index) => ({
      occurredAt,
      actorUserId: world.users.acmeAdmin.id,
      action: 'user.update',
      targetType: 'user',
      targetId: String(index),
      companyId: world.companies.acmeEast,
    })),
  );

  const exported = await app.request('GET', '/api/v1/audit_events/export?target_type=user&action=user.update', {
    headers: key,
  });
  expect(exported.status).toBe(200);
  expect(String(exported.body).trim().split('\n')).toHaveLength(3500);
  // The export was one of the key's three requests: two more pass, the fourth is refused.
  for (const expected of [200, 200, 429]) {
    expect((await app.request('GET', '/api/v1/audit_events?limit=1', { headers: key })).status).toBe(expected);
  }
});
