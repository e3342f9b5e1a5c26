import type { GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { AccessResolver } from '../modules/access/access.resolver';
import { AuditEventResolver } from '../modules/audit/audit-event.resolver';
import { ApiKeyResolver } from '../modules/api-key/api-key.resolver';
import { WebhookResolver } from '../modules/webhook/webhook.resolver';
import { UserAccessMutationResolver } from '../modules/access/user-access-mutation.resolver';
import { UserAccessResolver } from '../modules/access/user-access.resolver';
import { SessionResolver } from '../modules/session/session.resolver';
import { PasswordResetResolver } from '../modules/password-reset/password-reset.resolver';
import { CompanyMutationResolver } from '../modules/company/company-mutation.resolver';
import { CompanyResolver } from '../modules/company/company.resolver';
import { ImportResolver } from '../modules/import/import.resolver';
import { InvitationResolver } from '../modules/invitation/invitation.resolver';
import { LiveResolver } from '../modules/live/live.resolver';
import { LegalTermAcceptanceResolver, LegalTermResolver } from '../modules/legal-term/legal-term.resolver';
import { OnboardingResolver } from '../modules/legal-term/onboarding.resolver';
import { MembershipResolver } from '../modules/membership/membership.resolver';
import { StageResolver } from '../modules/stage/stage.resolver';
import { UserAvatarResolver } from '../modules/user/user-avatar.resolver';
import { UserMutationResolver } from '../modules/user/user-mutation.resolver';
import { UserResolver } from '../modules/user/user.resolver';
import { callFieldResolversDirectly } from './direct-field-resolvers';
import { FederationResolver } from './federation/federation.resolver';
import { DateTimeScalar } from './scalars';
import { validateArguments } from './validate-arguments';

const RESOLVERS = [
  SessionResolver,
  PasswordResetResolver,
  UserResolver,
  UserMutationResolver,
  UserAccessResolver,
  UserAccessMutationResolver,
  CompanyResolver,
  CompanyMutationResolver,
  UserAvatarResolver,
  AccessResolver,
  MembershipResolver,
  StageResolver,
  LegalTermResolver,
  LegalTermAcceptanceResolver,
  OnboardingResolver,
  InvitationResolver,
  ImportResolver,
  ApiKeyResolver,
  WebhookResolver,
  AuditEventResolver,
  LiveResolver,
  FederationResolver,
] as const;

/**
 * Every subscription brings its own `subscribe` (live-streams.ts): type-graphql insists on a pub/sub
 * all the same, so it gets one that nothing uses.
 */
const NO_PUB_SUB = {
  publish: () => undefined,
  subscribe: (): AsyncIterable<never> => {
    throw new Error('subscriptions of the gateway bring their own subscribe function');
  },
};

export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  // There is no global middleware or auth checker, so a field read straight off its object needs no
  // resolver of type-graphql's own: the executor reads the property (thousands of times per list).
  for (const objectType of getMetadataStorage().objectTypes) objectType.simpleResolvers ??= true;
  const schema = await buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validateFn: validateArguments,
    pubSub: NO_PUB_SUB,
  });
  callFieldResolversDirectly(schema);
  return schema;
}
