import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import type { MaybePromise } from '../../shared/maybe-promise';
import { parseId } from '../../shared/ids';
import { Access } from '../access/access.entity';
import { AuthPayload } from '../session/session.types';
import { Company } from '../company/company.entity';
import { User } from '../user/user.entity';
import { effectiveStatus } from './invitation-status';
import { Invitation, InvitationStatus } from './invitation.entity';
import { AcceptInvitationInput, CreateInvitationInput } from './invitation.inputs';

@Resolver(() => Invitation)
export class InvitationResolver {
  @Query(() => [Invitation], {
    description:
      'Pending, unexpired invitations of an email: all of them for its owner, those of the companies they manage for ' +
      'managers and above, an empty list for anyone else.',
  })
  pendingInvitations(@Arg('email') email: string, @Ctx() ctx: RequestContext): Promise<Invitation[]> {
    return ctx.services.invitations.pendingFor(email);
  }

  @Mutation(() => Invitation, { description: 'For managers and above of the company; the invitee gets a one-time link by mail.' })
  createInvitation(
    @Arg('input', () => CreateInvitationInput) input: CreateInvitationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Invitation> {
    return ctx.services.invitations.create(input);
  }

  @Mutation(() => AuthPayload, { description: 'Public: joins the company of the mailed token and signs in.' })
  acceptInvitation(
    @Arg('input', () => AcceptInvitationInput) input: AcceptInvitationInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AuthPayload> {
    return ctx.services.invitationAcceptances.accept(input);
  }

  @Mutation(() => Invitation, { description: 'For managers and above of the company; only a pending invitation.' })
  revokeInvitation(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Invitation> {
    return ctx.services.invitations.revoke(parseId(id, 'id'));
  }

  @FieldResolver(() => InvitationStatus, { description: 'EXPIRED as soon as a pending invitation passes `expiresAt`.' })
  status(@Root() invitation: Invitation): InvitationStatus {
    return effectiveStatus(invitation, new Date());
  }

  /** Shown even to an invitee outside the company: the invitation is addressed to them. */
  @FieldResolver(() => Company)
  company(@Root() invitation: Invitation, @Ctx() ctx: RequestContext): MaybePromise<Company> {
    return loadExisting(ctx.loaders.companyById, invitation.company.id, 'company');
  }

  @FieldResolver(() => Access)
  access(@Root() invitation: Invitation, @Ctx() ctx: RequestContext): MaybePromise<Access> {
    return loadExisting(ctx.loaders.accessById, invitation.access.id, 'access');
  }

  @FieldResolver(() => User, {
    nullable: true,
    description: 'Null when that user no longer exists or the viewer may not see it.',
  })
  async invitedBy(@Root() invitation: Invitation, @Ctx() ctx: RequestContext): Promise<User | null> {
    if (!invitation.invitedBy) return null;
    const inviter = await ctx.loaders.userById.load(invitation.invitedBy.id);
    return inviter && (await ctx.services.users.isVisible(inviter)) ? inviter : null;
  }
}
