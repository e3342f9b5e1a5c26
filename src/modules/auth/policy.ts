import { forbidden, notFound } from '../../shared/errors';
import { ACCESS_RANK } from './roles';
import type { Scope } from './scope';

/**
 * The role table of `contract/rest-v1.md` in one place: the rank an action needs in the company
 * it touches. Everything that authorizes goes through `can` / `authorize`.
 */
export const REQUIRED_RANK = {
  'company.read': ACCESS_RANK.member,
  'user.read': ACCESS_RANK.member,
  'user.lookup': ACCESS_RANK.manager,
  'invitation.manage': ACCESS_RANK.manager,
  'import.read': ACCESS_RANK.manager,
  'user.manage': ACCESS_RANK.admin,
  'company.manage': ACCESS_RANK.admin,
  'import.manage': ACCESS_RANK.admin,
  'company.createRoot': ACCESS_RANK.super_admin,
} as const;

export type Action = keyof typeof REQUIRED_RANK;

export function can(scope: Scope, action: Action, companyId: number): boolean {
  return scope.rankIn(companyId) >= REQUIRED_RANK[action];
}

/**
 * Throws the contract's error when the viewer may not act: NOT_FOUND when the company is not
 * visible at all (so nothing leaks), FORBIDDEN when it is visible but the rank is too low.
 */
export function authorize(scope: Scope, action: Action, companyId: number, resource: { kind: string; id: number }): void {
  if (!scope.canSeeCompany(companyId)) throw notFound(resource.kind, resource.id);
  if (!can(scope, action, companyId)) throw forbidden(`not allowed to ${action.replace('.', ' ')} here`);
}
