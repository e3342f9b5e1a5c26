import { forbidden, notFound } from '../../shared/errors';
import type { Access, AccessKey } from '../access/access.entity';
import { ACCESS_RANK } from './roles';
import type { Scope } from './scope';

/**
 * What a viewer may do, in one place: every service asks here, and nothing else compares ranks or
 * role keys. A grant in a company applies to it and its descendants (the scope already spreads it).
 */

/** Company-level actions: the rank each needs in the company it touches (the REST contract's role table). */
const REQUIRED_RANK = {
  /** Find a user by email among the users of the company. */
  'user.lookup': ACCESS_RANK.manager,
  /** Send, list and revoke invitations into the company. */
  'invitation.manage': ACCESS_RANK.manager,
  'import.read': ACCESS_RANK.manager,
  'import.manage': ACCESS_RANK.admin,
  /** Create users in the company and manage the grants users hold in it. */
  'user.manage': ACCESS_RANK.admin,
  /** Create child companies, change the company's avatar. */
  'company.manage': ACCESS_RANK.admin,
  /** Create, list and revoke the company's API keys. */
  'api_key.manage': ACCESS_RANK.admin,
  /** Read the audit trail of the company (and of its descendants). */
  'audit.read': ACCESS_RANK.admin,
  /** Hear the domain events of the company and of its descendants, live (the `events` subscription). */
  'event.read': ACCESS_RANK.admin,
  /** Register, change and delete the webhook endpoints of the company, read their delivery logs. */
  'webhook.manage': ACCESS_RANK.admin,
} as const;

export type CompanyAction = keyof typeof REQUIRED_RANK;

export function can(scope: Scope, action: CompanyAction, companyId: number): boolean {
  return scope.rankIn(companyId) >= REQUIRED_RANK[action];
}

/**
 * Throws the contract's error when the viewer may not act: NOT_FOUND when the company is not
 * visible at all (so nothing leaks), FORBIDDEN when it is visible but the rank is too low.
 */
export function authorize(scope: Scope, action: CompanyAction, companyId: number, resource: { kind: string; id: number }): void {
  if (!scope.canSeeCompany(companyId)) throw notFound(resource.kind, resource.id);
  if (!can(scope, action, companyId)) throw forbidden(`not allowed to ${action.replace('.', ' ')} here`);
}

/** The rank (`accesses.rank`) a grant needs for `action`: to find who may act, e.g. whom to mail about it. */
export function rankRequiredFor(action: CompanyAction): number {
  return REQUIRED_RANK[action];
}

/** The companies where the viewer may take `action`; undefined means every company (super_admin). */
export function companiesWhere(scope: Scope, action: CompanyAction): number[] | undefined {
  return scope.companyIdsWithRank(REQUIRED_RANK[action]);
}

/** Root companies are the platform's tenants: only a super_admin creates one. */
export function mayCreateRootCompany(scope: Scope): boolean {
  return scope.isSuperAdmin;
}

/** A plan is what a tenant pays for, so no admin may choose (or lift) its own: only a super_admin. */
export function mayChoosePlan(scope: Scope): boolean {
  return scope.isSuperAdmin;
}

/** Only a super_admin grants, changes or removes the super_admin access, or creates a user with it. */
export function mayHandOut(scope: Scope, access: Access): boolean {
  return access.rank < ACCESS_RANK.super_admin || scope.isSuperAdmin;
}

export function assertMayHandOut(scope: Scope, access: Access): void {
  if (!mayHandOut(scope, access)) throw forbidden('only a super_admin may grant, change or remove the super_admin access');
}

/** The accesses a CSV import may grant: `super_admin` never comes from a file. */
export const IMPORTABLE_ACCESS_KEYS = ['member', 'manager', 'admin'] as const satisfies readonly AccessKey[];
export type ImportableAccessKey = (typeof IMPORTABLE_ACCESS_KEYS)[number];

/** One grant of a user: the company it is in and the access it gives there. */
export interface HeldUserAccess {
  companyId: number;
  access: Access;
}

/** A grant the viewer may change or revoke: admin of its company, and super_admin for a super_admin grant. */
export function mayManageUserAccess(scope: Scope, userAccess: HeldUserAccess): boolean {
  return can(scope, 'user.manage', userAccess.companyId) && mayHandOut(scope, userAccess.access);
}

/** An invitation's access may be at most the inviter's own rank in the company (super_admin only by a super_admin). */
export function assertMayInviteAs(scope: Scope, company: { id: number; name: string }, access: Access): void {
  const rank = scope.rankIn(company.id);
  if (access.rank <= rank) return;
  const allowed = Object.entries(ACCESS_RANK)
    .filter(([, value]) => value <= rank)
    .map(([key]) => key)
    .join(', ');
  throw forbidden(`in ${company.name} you may invite as ${allowed} only, not as ${access.key}`);
}

/**
 * An API key acts with its access in its company's tree, so it may carry only an access its creator
 * may hand out and holds there: a key must never lift anyone above their own rank. Revoking one
 * takes the same, as for grants (only a super_admin removes a super_admin key).
 */
export function assertMayCreateKeyWith(scope: Scope, company: { id: number; name: string }, access: Access): void {
  assertMayHandOut(scope, access);
  if (access.rank > scope.rankIn(company.id)) {
    throw forbidden(`in ${company.name} your rank is below ${access.key}: a key may not act above its creator`);
  }
}

/**
 * Account-wide fields (email, status, names, avatar, password) belong to the person, not to one
 * company: a viewer other than the person changes them only as super_admin, or as admin of every
 * company where the person holds a grant with at least the rank of the person's access there.
 * An admin of some of them may remove the person's grants in their own companies instead.
 */
export async function mayManageAccount(scope: Scope, userAccessesOf: () => Promise<HeldUserAccess[]>): Promise<boolean> {
  if (scope.isSuperAdmin) return true;
  const userAccesses = await userAccessesOf();
  return (
    userAccesses.length > 0 &&
    userAccesses.every(({ companyId, access }) => can(scope, 'user.manage', companyId) && scope.rankIn(companyId) >= access.rank)
  );
}

/** `userAccessesOf` reads the person's grants, all of them, when the answer depends on them. */
export async function assertMayManageAccount(scope: Scope, userAccessesOf: () => Promise<HeldUserAccess[]>): Promise<void> {
  if (!(await mayManageAccount(scope, userAccessesOf))) {
    throw forbidden(
      "this account also belongs to companies you do not administer: only an admin of all of them may change it; you may remove the user's accesses in your companies instead",
    );
  }
}

/**
 * The root fields anyone may call, signed in or not: the credential is a password or a mailed
 * token, or the data is public. A request whose Authorization header was refused still runs these.
 */
export const PUBLIC_OPERATIONS: ReadonlySet<string> = new Set([
  'login',
  'refreshSession',
  'requestPasswordReset',
  'resetPassword',
  'acceptInvitation',
  'currentLegalTerm',
  'legalTerm',
]);

/**
 * The root fields only a person may call: signing in, sessions, passwords, personal acceptances and
 * API keys themselves. A request with an API key asking for any of them is refused (FORBIDDEN).
 */
export const PERSON_ONLY_OPERATIONS: ReadonlySet<string> = new Set([
  'login',
  'refreshSession',
  'logout',
  'sessions',
  'revokeSession',
  'revokeAllSessions',
  'me',
  'validateToken',
  'requestPasswordReset',
  'resetPassword',
  'acceptInvitation',
  'approveLegalTerm',
  'completeOnboarding',
  'createApiKey',
  'apiKeys',
  'revokeApiKey',
]);
