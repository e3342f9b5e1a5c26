import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AccessResolver } from '../modules/access/access.resolver';
import { UserAccessResolver } from '../modules/access/user-access.resolver';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { CompanyResolver } from '../modules/company/company.resolver';
import { LegalTermAcceptanceResolver, LegalTermResolver } from '../modules/legal-term/legal-term.resolver';
import { MembershipResolver } from '../modules/membership/membership.resolver';
import { StageResolver } from '../modules/stage/stage.resolver';
import { UserResolver } from '../modules/user/user.resolver';
import { DateTimeScalar } from './scalars';

const RESOLVERS = [
  AuthResolver,
  UserResolver,
  UserAccessResolver,
  CompanyResolver,
  AccessResolver,
  MembershipResolver,
  StageResolver,
  LegalTermResolver,
  LegalTermAcceptanceResolver,
] as const;

export function buildGatewaySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    validate: { forbidUnknownValues: false },
  });
}
