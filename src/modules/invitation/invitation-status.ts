import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, type DomainError } from '../../shared/errors';
import { Invitation, InvitationStatus } from './invitation.entity';

export const INVITATION_VALID_DAYS = 7;
export const DAY_MS = 86_400_000;

/**
 * The status as of `now`: a pending invitation whose time ran out is EXPIRED even before anything
 * marks its row, so every reader gets the same answer.
 */
export function effectiveStatus(invitation: Invitation, now: Date): InvitationStatus {
  return invitation.status === InvitationStatus.PENDING && invitation.expiresAt <= now
    ? InvitationStatus.EXPIRED
    : invitation.status;
}

const tokenProblem = (message: string, detail: string) => badInput(message, [{ field: 'token', message: detail }]);

export const unknownInvitationToken = () => tokenProblem('invalid invitation token', 'is not an invitation token');

/** Why an invitation cannot be accepted any more, or undefined while it can. */
export function acceptanceRefusal(invitation: Invitation, now: Date): DomainError | undefined {
  switch (effectiveStatus(invitation, now)) {
    case InvitationStatus.PENDING:
      return undefined;
    case InvitationStatus.EXPIRED:
      return tokenProblem('this invitation has expired: ask for a new one', 'belongs to an expired invitation');
    case InvitationStatus.REVOKED:
      return tokenProblem('this invitation was revoked', 'belongs to a revoked invitation');
    case InvitationStatus.ACCEPTED:
      return tokenProblem('this invitation was already accepted: sign in instead', 'belongs to an accepted invitation');
  }
}

/** Records as `expired` the pending invitations matching `where` whose time ran out; returns how many. */
export function markExpired(em: EntityManager, where: { id: number } | { email: string; company: number }, now: Date) {
  return em.nativeUpdate(
    Invitation,
    { ...where, status: InvitationStatus.PENDING, expiresAt: { $lte: now } },
    { status: InvitationStatus.EXPIRED, updatedAt: now },
  );
}
