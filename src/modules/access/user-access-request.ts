import type { RequestContext } from '../request-context';
import { assertMayHandOut, authorize } from '../auth/policy';
import type { Scope } from '../auth/scope';
import { conflict, invalidField, notFound } from '../../shared/errors';
import { parseId } from '../../shared/ids';
import type { Company } from '../company/company.entity';
import type { Access } from './access.entity';
import { MAX_USER_ACCESSES_PER_REQUEST, type UserAccessInput } from './access.inputs';

/** One grant of a request, checked against the viewer's rights; nothing has been read for update yet. */
export interface RequestedUserAccess {
  company: Company;
  access: Access;
  primary: boolean;
}

interface ParsedUserAccess {
  companyId: number;
  accessId: number;
  primary: boolean;
}

/**
 * Checks everything about a list of grants that does not depend on the user's current grants, in
 * the order clients can act on: the shape (BAD_USER_INPUT), then the viewer's rights in every
 * company it names (NOT_FOUND / FORBIDDEN), then the request's own consistency (CONFLICT).
 * Runs before the transaction opens, since it reads through the request's loaders.
 */
export async function checkRequestedUserAccesses(
  ctx: RequestContext,
  scope: Scope,
  inputs: UserAccessInput[],
): Promise<RequestedUserAccess[]> {
  const parsed = parseUserAccesses(inputs);
  const accesses = await ctx.loaders.accessById.loadMany(parsed.map((userAccess) => userAccess.accessId));
  const companies = await ctx.loaders.companyById.loadMany(parsed.map((userAccess) => userAccess.companyId));
  accesses.forEach((access, index) => {
    if (!access || access instanceof Error) throw invalidField(`accesses.${index}.accessId`, 'is not a known access');
  });
  const requested = parsed.map((userAccess, index): RequestedUserAccess => {
    const company = companies[index];
    if (!company || company instanceof Error || !scope.canSeeCompany(userAccess.companyId)) {
      throw notFound('company', userAccess.companyId);
    }
    authorize(scope, 'user.manage', company.id, { kind: 'company', id: company.id });
    const access = accesses[index] as Access;
    assertMayHandOut(scope, access);
    return { company, access, primary: userAccess.primary };
  });
  const seen = new Set<number>();
  for (const { company } of requested) {
    if (seen.has(company.id)) {
      throw conflict(`${company.name} appears more than once in accesses; a user holds one access per company`);
    }
    seen.add(company.id);
  }
  return requested;
}

function parseUserAccesses(inputs: UserAccessInput[]): ParsedUserAccess[] {
  if (!inputs.length) throw invalidField('accesses', 'must hold at least one grant (a user always keeps one access)');
  if (inputs.length > MAX_USER_ACCESSES_PER_REQUEST)
    throw invalidField('accesses', `must hold at most ${MAX_USER_ACCESSES_PER_REQUEST} grants`);
  const parsed = inputs.map((input, index) => ({
    companyId: parseId(input.companyId, `accesses.${index}.companyId`),
    accessId: parseId(input.accessId, `accesses.${index}.accessId`),
    primary: input.primary === true,
  }));
  const primaries = parsed.flatMap((userAccess, index) => (userAccess.primary ? [index] : []));
  if (primaries.length > 1)
    throw invalidField(`accesses.${primaries[1]}.primary`, 'marks a second grant as primary; a user has exactly one');
  return parsed;
}
