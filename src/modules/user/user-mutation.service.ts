import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPreparedArrays } from '../../db/prepared-statements';
import { readColumns, toReadModel } from '../../db/read-models';
import type { RequestContext } from '../request-context';
import { transactionalOrRaceLost } from '../transactions';
import { loadExisting } from '../../db/load-existing';
import { loginAttempt } from '../session/session.service';
import { endSessionsOf } from '../session/sessions';
import { assertPasswordStrength } from '../auth/passwords';
import { assertMayHandOut, assertMayManageAccount, authorize } from '../auth/policy';
import { conflict, forbidden, invalidField, notFound } from '../../shared/errors';
import { parseId } from '../../shared/ids';
import { emailChangedMail, PASSWORD_PAGE, setPasswordMail, tokenLink } from '../../shared/mail/templates';
import { UserAccess } from '../access/user-access.entity';
import {
  HOUR_MS,
  issuePasswordToken,
  revokePasswordTokens,
  SET_PASSWORD_LINK_DAYS,
} from '../password-reset/password-reset-tokens';
import { assertCompanyCapacity } from '../company/company-capacity';
import { changedFields, SECRET_CHANGED } from '../audit/audit-trail';
import { grantCreated, grantCreatedEvent } from '../access/user-access-events';
import { appendDomainEvents, notifyDomainEventsSql, userPayload, userPayloadSql } from '../events/domain-events';
import { AVATAR_ROUTE_PREFIX } from '../../shared/storage/avatar-url';
import { normalizeEmail, personName } from '../../shared/field-rules';
import { User, UserStatus } from './user.entity';
import type { CreateUserInput, UpdateUserInput } from './user.inputs';

const duplicateEmail = () => conflict('a user with this email already exists');

export class UserMutationService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Creates a user with one primary access, for admins of the company. Without a password the user
   * is PENDING and gets a mail with a one-time link to choose one, sent once the rows are committed.
   */
  async createUser(input: CreateUserInput): Promise<User> {
    this.ctx.requireViewer();
    const companyId = parseId(input.companyId, 'companyId');
    const accessId = parseId(input.accessId, 'accessId');
    const scope = await this.ctx.scope();
    authorize(scope, 'user.manage', companyId, { kind: 'company', id: companyId });
    await loadExisting(this.ctx.loaders.companyById, companyId, 'company');
    const access = await this.ctx.loaders.accessById.load(accessId);
    if (!access) throw invalidField('accessId', 'is not an access');
    assertMayHandOut(scope, access);

    const fields = {
      firstName: personName(input.firstName, 'firstName'),
      lastName: personName(input.lastName, 'lastName'),
      email: normalizeEmail(input.email),
      status: initialStatus(input),
    };
    if (input.password != null) assertPasswordStrength(input.password);
    const passwordHash = input.password == null ? null : await this.ctx.deps.passwords.hash(input.password);

    const user = await this.inTransaction(async (tx) => {
      if (await tx.count(User, { email: fields.email })) throw duplicateEmail();
      const created = tx.create(User, { ...fields, passwordHash });
      await tx.flush();
      await assertCompanyCapacity(tx, [companyId], [created.id]);
      const grant = tx.create(UserAccess, { user: created, company: companyId, access: access.id, primary: true });
      const token = passwordHash ? undefined : issuePasswordToken(tx, created, SET_PASSWORD_LINK_DAYS * 24 * HOUR_MS);
      await tx.flush();
      await this.ctx.services.audit.record(
        tx,
        {
          action: 'user.create',
          targetType: 'user',
          targetId: created.id,
          companyId,
          changes: {
            ...changedFields<User>({}, fields, AUDITED_USER_FIELDS),
            ...(passwordHash ? { password: SECRET_CHANGED } : {}),
          },
        },
        grantCreated(grant, access),
      );
      await appendDomainEvents(tx, [
        { type: 'user.created', companyId, payload: userPayload(created) },
        grantCreatedEvent(grant, access),
      ]);
      if (token) {
        const link = tokenLink(this.ctx.deps.config.publicUrl, PASSWORD_PAGE, token);
        await this.ctx.deps.mails.send(tx, setPasswordMail(created, link, SET_PASSWORD_LINK_DAYS), 'new account');
      }
      return created;
    });
    return user;
  }

  /**
   * Self: names, and the password with the current one. Whoever may manage the account (policy:
   * super_admin, or admin of every company the user belongs to): names, email and status. A change
   * of password, email or status uses up the user's reset links; a new password or a deactivation
   * also revokes its access tokens. A new email is announced to the old and the new address.
   */
  async updateUser(id: number, input: UpdateUserInput): Promise<User> {
    this.ctx.requireViewer();
    const target = await this.ctx.services.users.findVisible(id);
    const isSelf = this.ctx.isSelf(target.id);
    const scope = await this.ctx.scope();
    const userAccessesOfTarget = () => this.ctx.services.accesses.userAccessesHeldBy(target.id);
    if (!isSelf) await assertMayManageAccount(scope, userAccessesOfTarget);

    const email = input.email == null ? undefined : normalizeEmail(input.email);
    const emailChanges = email !== undefined && email !== target.email;
    const status = input.status ?? undefined;
    const statusChanges = status !== undefined && status !== target.status;
    if (emailChanges || statusChanges) await assertMayManageAccount(scope, userAccessesOfTarget);
    if (input.password != null && !isSelf) throw forbidden('a password is changed by its owner, or with a reset link');
    const firstName = input.firstName == null ? undefined : personName(input.firstName, 'firstName');
    const lastName = input.lastName == null ? undefined : personName(input.lastName, 'lastName');
    const passwordHash =
      input.password == null ? undefined : await this.newOwnPasswordHash(target, input.password, input.currentPassword);
    if (!emailChanges && !statusChanges && !passwordHash) return this.rename(target, firstName, lastName);

    const previousEmail = target.email;
    const companyId = await this.ctx.services.accesses.primaryCompanyIdOf(id);
    const updated = await this.inTransaction(async (tx) => {
      const user = await tx.findOneOrFail(User, id);
      const before = auditedFieldsOf(user);
      const now = new Date();
      if (firstName !== undefined) user.firstName = firstName;
      if (lastName !== undefined) user.lastName = lastName;
      if (emailChanges) {
        if (await tx.count(User, { email, id: { $ne: id } })) throw duplicateEmail();
        user.email = email;
      }
      const locksOut = statusChanges && status !== UserStatus.ACTIVE;
      if (statusChanges) user.status = status;
      if (passwordHash) user.passwordHash = passwordHash;
      if (locksOut || passwordHash) {
        user.credentialsChangedAt = now;
        await endSessionsOf(tx, id, passwordHash ? 'credentials-changed' : 'deactivated');
      }
      if (emailChanges || statusChanges || passwordHash) await revokePasswordTokens(tx, id, now);
      const changes = changedFields(before, user, AUDITED_USER_FIELDS);
      if (passwordHash) changes.password = SECRET_CHANGED;
      await this.ctx.services.audit.record(tx, { action: 'user.update', targetType: 'user', targetId: id, companyId, changes });
      // Flushed first, so the payload carries the new `updatedAt`.
      await tx.flush();
      const payload = userPayload(user);
      await appendDomainEvents(tx, [
        { type: 'user.updated', companyId, payload },
        ...(statusChanges && status === UserStatus.INACTIVE ? [{ type: 'user.deactivated' as const, companyId, payload }] : []),
      ]);
      if (emailChanges) await this.announceEmailChange(tx, user, previousEmail);
      return user;
    });
    return updated;
  }

  /**
   * The most common edit, names only: one statement, atomic on its own, setting only the names given
   * (a concurrent change of the other stays) and appending its audit event, with the names it
   * replaced (read under the row's lock) and the user's primary company. Nothing is written, and
   * `updatedAt` stays, when the names are the ones the user has (legacy clients send the whole object back).
   */
  private async rename(target: User, firstName: string | undefined, lastName: string | undefined): Promise<User> {
    if ((firstName ?? target.firstName) === target.firstName && (lastName ?? target.lastName) === target.lastName) return target;
    const { em } = this.ctx;
    const actor = this.ctx.services.audit.actor;
    const [row] = await queryPreparedArrays(em, renameStatement(readColumns(em, User, 'renamed')), [
      target.id,
      firstName ?? null,
      lastName ?? null,
      actor.userId,
      actor.apiKeyId,
      actor.requestId,
      actor.clientIp,
      actor.userAgent,
      AVATAR_ROUTE_PREFIX,
    ]);
    if (!row) throw notFound('user', target.id);
    this.ctx.loaders.userById.clear(target.id);
    return toReadModel(em, User, row);
  }

  /** No token in either mail: the old address learns of the change, the new one that it now signs in. */
  private async announceEmailChange(tx: EntityManager, user: User, previousEmail: string): Promise<void> {
    for (const to of [previousEmail, user.email]) {
      const mail = emailChangedMail({ email: to, firstName: user.firstName }, previousEmail, user.email);
      await this.ctx.deps.mails.send(tx, mail, 'email change');
    }
  }

  /**
   * Checking the current password is a login attempt of the account: counted with login's counters,
   * so a stolen token guesses no faster than the login form, and a right one forgets the failures.
   */
  private async newOwnPasswordHash(user: User, password: string, currentPassword: string | null | undefined): Promise<string> {
    if (!currentPassword) throw invalidField('currentPassword', 'is required to change the password');
    assertPasswordStrength(password);
    const { attempts, passwords } = this.ctx.deps;
    const attempt = loginAttempt(user.email, this.ctx.request.clientIp);
    await attempts.consume('login', attempt);
    const { passwordHash } = await this.ctx.em.findOneOrFail(User, user.id, { populate: ['passwordHash'] });
    if (!passwordHash || !(await passwords.verify(passwordHash, currentPassword))) {
      throw invalidField('currentPassword', 'is not the current password');
    }
    await attempts.succeeded('login', attempt);
    return passwords.hash(password);
  }

  /** A concurrent request can take the email between the check and the insert: same answer then. */
  private inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return transactionalOrRaceLost(this.ctx.em, work, duplicateEmail);
  }
}

/** The plain fields of an account the audit trail records (never its password hash). */
const AUDITED_USER_FIELDS: (keyof User & string)[] = ['firstName', 'lastName', 'email', 'status'];

function auditedFieldsOf(user: User): Partial<User> {
  return { firstName: user.firstName, lastName: user.lastName, email: user.email, status: user.status };
}

/** Without a password nobody can sign in yet, so such a user starts PENDING until the mailed link is used. */
function initialStatus(input: CreateUserInput): UserStatus {
  if (input.password != null) return input.status ?? UserStatus.ACTIVE;
  if (input.status != null && input.status !== UserStatus.PENDING) {
    throw invalidField('status', 'must be PENDING when no password is given');
  }
  return UserStatus.PENDING;
}

/**
 * The rename's one statement: the names under the row's lock, its audit event and its
 * `user.updated` domain event (notified on commit), answering `columns` of the renamed row.
 * Parameters: the user's id, the first and last names (null keeps one), the actor's user id, API
 * key id, request id, address and agent, and the avatar route prefix of the event's payload.
 */
export function renameStatement(columns: string): string {
  return `with previous as (select id, first_name, last_name from users where id = ? for update),
       renamed as (
         update users u set first_name = coalesce(?, u.first_name), last_name = coalesce(?, u.last_name), updated_at = now()
           from previous where u.id = previous.id
         returning u.*, previous.first_name as previous_first_name, previous.last_name as previous_last_name),
       audited as (
         insert into audit_events (actor_user_id, actor_api_key_id, request_id, client_ip, user_agent, action, target_type, target_id, company_id, changes)
         select ?::int, ?::int, ?::text, ?::text, ?::text, 'user.update', 'user', r.id::text,
                (select ua.company_id from user_accesses ua where ua.user_id = r.id and ua."primary"),
                (select jsonb_object_agg(c.field, jsonb_build_object('old', c.before, 'new', c.after))
                   from (values ('firstName', r.previous_first_name, r.first_name), ('lastName', r.previous_last_name, r.last_name))
                     as c (field, before, after)
                  where c.before is distinct from c.after)
           from renamed r),
       evented as (
         insert into domain_events (type, company_id, payload)
         select 'user.updated', (select ua.company_id from user_accesses ua where ua.user_id = r.id and ua."primary"),
                ${userPayloadSql('r')}
           from renamed r
         returning id),
       ${notifyDomainEventsSql('notified', 'evented')}
       select ${columns} from renamed where (select count(*) from notified) >= 0`;
}
