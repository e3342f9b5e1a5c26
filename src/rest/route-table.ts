import { type RestRoute, withPatchAliases } from './rest-route';
import { avatarRoutes } from './routes/avatar.routes';
import { companyRoutes } from './routes/company.routes';
import { importRoutes } from './routes/import.routes';
import { invitationRoutes } from './routes/invitation.routes';
import { onboardingRoutes } from './routes/onboarding.routes';
import { referenceRoutes } from './routes/reference.routes';
import { userAccessRoutes } from './routes/user-access.routes';
import { userRoutes } from './routes/user.routes';

/** Every `/api/v1` route: the table the router, the OpenAPI document and the contract tests walk. */
export const REST_ROUTES: RestRoute[] = withPatchAliases([
  ...userRoutes,
  ...avatarRoutes,
  ...userAccessRoutes,
  ...onboardingRoutes,
  ...companyRoutes,
  ...referenceRoutes,
  ...invitationRoutes,
  ...importRoutes,
]);
