import type {
  AccessJson,
  ApiKeyJson,
  AuditEventJson,
  CompanyJson,
  ImportFileJson,
  InvitationJson,
  LegalTermJson,
  MembershipJson,
  PageMetaJson,
  SessionJson,
  StageJson,
  UserAccessJson,
  UserJson,
} from './legacy-objects';
import type { GraphData } from './rest-route';

/**
 * Turn the graph's camelCase results (selected by `fragments.ts`) into the legacy snake_case
 * objects. They only rename and reshape: no rule lives here.
 */

const toId = (value: string) => Number(value);
const idOrNull = (node: GraphData | null | undefined) => (node ? toId(node.id) : null);
const optionalId = (value: string | null) => (value === null ? null : toId(value));

export function presentUser(user: GraphData): UserJson {
  const primaryAccess = user.primaryAccess;
  const primaryCompany = user.primaryCompany;
  return {
    id: toId(user.id),
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
    status: user.status.toLowerCase(),
    full_name: user.fullName,
    avatar_route: user.avatarUrl,
    primary_access: primaryAccess
      ? {
          id: toId(primaryAccess.id),
          company_id: toId(primaryAccess.company.id),
          access_id: toId(primaryAccess.access.id),
          access_name: primaryAccess.access.name,
        }
      : null,
    primary_company: primaryCompany
      ? {
          id: toId(primaryCompany.id),
          name: primaryCompany.name,
          default: primaryCompany.isDefault,
          parent_company_id: optionalId(primaryCompany.parentCompanyId),
        }
      : null,
    onboarding_completed_at: user.onboardingCompletedAt,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
}

export function presentUserAccess(userAccess: GraphData): UserAccessJson {
  return {
    id: toId(userAccess.id),
    user_id: toId(userAccess.user.id),
    company_id: toId(userAccess.company.id),
    access_id: toId(userAccess.access.id),
    access_name: userAccess.access.name,
    primary: userAccess.primary,
  };
}

export function presentCompany(company: GraphData): CompanyJson {
  return {
    id: toId(company.id),
    name: company.name,
    default: company.isDefault,
    parent_company_id: optionalId(company.parentCompanyId),
    avatar_route: company.avatarUrl,
    membership_id: idOrNull(company.membership),
    created_at: company.createdAt,
  };
}

export function presentAccess(access: GraphData): AccessJson {
  return { id: toId(access.id), key: access.key, name: access.name, description: access.description };
}

export function presentMembership(membership: GraphData): MembershipJson {
  return {
    id: toId(membership.id),
    name: membership.name,
    description: membership.description,
    max_users: membership.maxUsers,
    price_cents: membership.priceCents,
    currency: membership.currency,
    features: membership.features,
  };
}

export function presentStage(stage: GraphData): StageJson {
  return { id: toId(stage.id), name: stage.name, position: stage.position };
}

export function presentLegalTerm(term: GraphData): LegalTermJson {
  return { id: toId(term.id), version: term.version, title: term.title, body: term.body, published_at: term.publishedAt };
}

export function presentInvitation(invitation: GraphData): InvitationJson {
  return {
    id: toId(invitation.id),
    email: invitation.email,
    company_id: toId(invitation.company.id),
    access_id: toId(invitation.access.id),
    status: invitation.status.toLowerCase(),
    invited_by_id: idOrNull(invitation.invitedBy),
    expires_at: invitation.expiresAt,
    created_at: invitation.createdAt,
  };
}

export function presentImportFile(file: GraphData): ImportFileJson {
  return {
    id: toId(file.id),
    name: file.name,
    company_id: toId(file.company.id),
    status: file.status.toLowerCase(),
    total_rows: file.totalRows,
    processed_rows: file.processedRows,
    created_count: file.createdCount,
    failed_count: file.failedCount,
    errors: file.errors.map(({ row, field, message }: GraphData) => ({ row, field, message })),
    created_at: file.createdAt,
    started_at: file.startedAt,
    finished_at: file.finishedAt,
  };
}

/** A new pair of tokens (login, refresh): the legacy keys, and the refresh token beside them. */
export function presentAuthPayload(payload: GraphData): {
  token: string;
  expires_at: string;
  refresh_token: string;
  user: UserJson;
} {
  return {
    token: payload.token,
    expires_at: payload.expiresAt,
    refresh_token: payload.refreshToken,
    user: presentUser(payload.user),
  };
}

export function presentSession(session: GraphData): SessionJson {
  return {
    id: session.id,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    expires_at: session.expiresAt,
    client_ip: session.clientIp,
    user_agent: session.userAgent,
    current: session.current,
  };
}

export function presentApiKey(apiKey: GraphData): ApiKeyJson {
  return {
    id: toId(apiKey.id),
    name: apiKey.name,
    prefix: apiKey.prefix,
    company_id: toId(apiKey.company.id),
    access_id: toId(apiKey.access.id),
    created_by_id: idOrNull(apiKey.createdBy),
    created_at: apiKey.createdAt,
    last_used_at: apiKey.lastUsedAt,
    expires_at: apiKey.expiresAt,
    revoked_at: apiKey.revokedAt,
  };
}

export function presentAuditEvent(event: GraphData): AuditEventJson {
  return {
    id: toId(event.id),
    occurred_at: event.occurredAt,
    action: event.action,
    target_type: event.targetType,
    target_id: event.targetId,
    company_id: idOrNull(event.company),
    actor_user_id: idOrNull(event.actorUser),
    actor_api_key_id: optionalId(event.actorApiKeyId),
    changes: event.changes,
    request_id: event.requestId,
    client_ip: event.clientIp,
    user_agent: event.userAgent,
  };
}

export function presentPageMeta(page: number, perPage: number, total: number): PageMetaJson {
  return { page, per_page: perPage, total, total_pages: Math.ceil(total / perPage) };
}
