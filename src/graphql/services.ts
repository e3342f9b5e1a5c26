import { AccessService } from '../modules/access/access.service';
import { AuthService } from '../modules/auth/auth.service';
import { CompanyService } from '../modules/company/company.service';
import { LegalTermService } from '../modules/legal-term/legal-term.service';
import { MembershipService } from '../modules/membership/membership.service';
import { StageService } from '../modules/stage/stage.service';
import { UserService } from '../modules/user/user.service';
import type { RequestContext } from './context';

/** The services of one request; each holds the request context it authorizes against. */
export function createServices(ctx: RequestContext) {
  return {
    auth: new AuthService(ctx),
    users: new UserService(ctx),
    companies: new CompanyService(ctx),
    accesses: new AccessService(ctx),
    memberships: new MembershipService(ctx),
    stages: new StageService(ctx),
    legalTerms: new LegalTermService(ctx),
  };
}

export type Services = ReturnType<typeof createServices>;
