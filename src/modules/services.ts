import { AccessService } from './access/access.service';
import { ApiKeyService } from './api-key/api-key.service';
import { AuditEventService } from './audit/audit-event.service';
import { AuditTrail } from './audit/audit-trail';
import { createAvatarServices } from './avatar/avatar.service';
import { UserAccessService } from './access/user-access.service';
import { SessionService } from './session/session.service';
import { PasswordResetService } from './password-reset/password-reset.service';
import { CompanyService } from './company/company.service';
import { ImportService } from './import/import.service';
import { InvitationAcceptanceService } from './invitation/invitation-acceptance.service';
import { InvitationService } from './invitation/invitation.service';
import { LegalTermService } from './legal-term/legal-term.service';
import { MembershipService } from './membership/membership.service';
import { StageService } from './stage/stage.service';
import { UserMutationService } from './user/user-mutation.service';
import { UserService } from './user/user.service';
import type { RequestContext } from './request-context';
import { WebhookService } from './webhook/webhook.service';

/** The services of one request; each holds the request context it authorizes against. */
export function createServices(ctx: RequestContext) {
  return {
    audit: new AuditTrail(ctx),
    auditEvents: new AuditEventService(ctx),
    sessions: new SessionService(ctx),
    users: new UserService(ctx),
    userMutations: new UserMutationService(ctx),
    passwordResets: new PasswordResetService(ctx),
    companies: new CompanyService(ctx),
    avatars: createAvatarServices(ctx),
    accesses: new AccessService(ctx),
    userAccesses: new UserAccessService(ctx),
    memberships: new MembershipService(ctx),
    stages: new StageService(ctx),
    legalTerms: new LegalTermService(ctx),
    invitations: new InvitationService(ctx),
    invitationAcceptances: new InvitationAcceptanceService(ctx),
    imports: new ImportService(ctx),
    apiKeys: new ApiKeyService(ctx),
    webhooks: new WebhookService(ctx),
  };
}

export type Services = ReturnType<typeof createServices>;
