import type {
  AccessJson,
  CompanyJson,
  ImportFileJson,
  InvitationJson,
  LegalTermJson,
  MembershipJson,
  PageMetaJson,
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

export function presentPageMeta(page: number, perPage: number, total: number): PageMetaJson {
  return { page, per_page: perPage, total, total_pages: Math.ceil(total / perPage) };
}
