import { AccessService } from '../modules/access/access.service';
import { UserAccessService } from '../modules/access/user-access.service';
import { AuthService } from '../modules/auth/auth.service';
import { PasswordResetService } from '../modules/auth/password-reset.service';
import { CompanyAvatarService } from '../modules/company/company-avatar.service';
import { CompanyService } from '../modules/company/company.service';
import { ImportService } from '../modules/import/import.service';
import { InvitationAcceptanceService } from '../modules/invitation/invitation-acceptance.service';
import { InvitationService } from '../modules/invitation/invitation.service';
import { LegalTermService } from '../modules/legal-term/legal-term.service';
import { MembershipService } from '../modules/membership/membership.service';
import { StageService } from '../modules/stage/stage.service';
import { UserAvatarService } from '../modules/user/user-avatar.service';
import { UserMutationService } from '../modules/user/user-mutation.service';
import { UserService } from '../modules/user/user.service';
import type { RequestContext } from './context';

/** The services of one request; each holds the request context it authorizes against. */
export function createServices(ctx: RequestContext) {
  return {
    auth: new AuthService(ctx),
    users: new UserService(ctx),
    userMutations: new UserMutationService(ctx),
    passwordResets: new PasswordResetService(ctx),
    companies: new CompanyService(ctx),
    companyAvatars: new CompanyAvatarService(ctx),
    userAvatars: new UserAvatarService(ctx),
    accesses: new AccessService(ctx),
    userAccesses: new UserAccessService(ctx),
    memberships: new MembershipService(ctx),
    stages: new StageService(ctx),
    legalTerms: new LegalTermService(ctx),
    invitations: new InvitationService(ctx),
    invitationAcceptances: new InvitationAcceptanceService(ctx),
    imports: new ImportService(ctx),
  };
}

export type Services = ReturnType<typeof createServices>;
