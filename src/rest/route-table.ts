import { type RestRoute, withPatchAliases } from './rest-route';
import { apiKeyRoutes } from './routes/api-key.routes';
import { auditRoutes, auditStreamRoutes } from './routes/audit.routes';
import { avatarRoutes } from './routes/avatar.routes';
import { companyRoutes } from './routes/company.routes';
import { importRoutes } from './routes/import.routes';
import { invitationRoutes } from './routes/invitation.routes';
import { onboardingRoutes } from './routes/onboarding.routes';
import { referenceRoutes } from './routes/reference.routes';
import { sessionRoutes } from './routes/session.routes';
import { userAccessRoutes } from './routes/user-access.routes';
import { userRoutes } from './routes/user.routes';
import { webhookRoutes } from './routes/webhook.routes';
import type { StreamRoute } from './stream-route';

/** Every `/api/v1` route: the table the router, the OpenAPI document and the contract tests walk. */
export const REST_ROUTES: RestRoute[] = withPatchAliases([
  ...userRoutes,
  ...sessionRoutes,
  ...avatarRoutes,
  ...userAccessRoutes,
  ...onboardingRoutes,
  ...companyRoutes,
  ...referenceRoutes,
  ...invitationRoutes,
  ...importRoutes,
  ...apiKeyRoutes,
  ...webhookRoutes,
  ...auditRoutes,
]);

/** The `/api/v1` routes that answer with a stream (NDJSON); the router and the OpenAPI document take them beside REST_ROUTES. */
export const REST_STREAM_ROUTES: StreamRoute[] = [...auditStreamRoutes];
