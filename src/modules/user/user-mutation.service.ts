import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPreparedArrays } from '../../db/prepared-statements';
import { readColumns, toReadModel } from '../../db/read-models';
import type { RequestContext } from '../../graphql/context';
import { loadExisting } from '../../graphql/load-existing';
import { assertPasswordStrength, hashPassword, verifyPassword } from '../auth/passwords';
import { authorize, can } from '../auth/policy';
import { conflict, forbidden, invalidField, notFound } from '../../shared/errors';
import { parseId } from '../../shared/ids';
import { sendOrLogFailure } from '../../shared/mail/mailer';
import { PASSWORD_PAGE, setPasswordMail, tokenLink } from '../../shared/mail/templates';
import { UserAccess } from '../access/user-access.entity';
import { HOUR_MS, issuePasswordToken, revokePasswordTokens, SET_PASSWORD_LINK_DAYS } from '../auth/password-reset-tokens';
import { assertCompanyCapacity } from '../company/company-capacity';
import { normalizeEmail, personName } from './user-fields';
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
    if (access.key === 'super_admin' && !scope.isSuperAdmin) throw forbidden('only a super admin can grant super_admin');

    const fields = {
      firstName: personName(input.firstName, 'firstName'),
      lastName: personName(input.lastName, 'lastName'),
      email: normalizeEmail(input.email),
      status: initialStatus(input),
    };
    if (input.password != null) assertPasswordStrength(input.password);
    const passwordHash = input.password == null ? null : await hashPassword(input.password);

    const { user, token } = await this.inTransaction(async (tx) => {
      if (await tx.count(User, { email: fields.email })) throw duplicateEmail();
      const created = tx.create(User, { ...fields, passwordHash });
      await tx.flush();
      await assertCompanyCapacity(tx, companyId, [created.id]);
      tx.create(UserAccess, { user: created, company: companyId, access: access.id, primary: true });
      return {
        user: created,
        token: passwordHash ? undefined : issuePasswordToken(tx, created, SET_PASSWORD_LINK_DAYS * 24 * HOUR_MS),
      };
    });
    if (token) {
      const { mailer, logger, config } = this.ctx.deps;
      const mail = setPasswordMail(user, tokenLink(config.publicUrl, PASSWORD_PAGE, token), SET_PASSWORD_LINK_DAYS);
      await sendOrLogFailure(mailer, logger, mail, 'new account');
    }
    return user;
  }

  /**
   * Self: names, and the password with the current one. Admins of a company where the user holds
   * an access: names, email and status. A change of password, email or status uses up the user's
   * reset links; a new password or a deactivation also revokes its access tokens.
   */
  async updateUser(id: number, input: UpdateUserInput): Promise<User> {
    const viewer = this.ctx.requireViewer();
    const target = await this.ctx.services.users.findVisible(id);
    const isSelf = target.id === viewer.id;
    const manages = await this.manages(target);
    if (!isSelf && !manages) throw forbidden('not allowed to manage this user');

    const email = input.email == null ? undefined : normalizeEmail(input.email);
    const emailChanges = email !== undefined && email !== target.email;
    const status = input.status ?? undefined;
    const statusChanges = status !== undefined && status !== target.status;
    if ((emailChanges || statusChanges) && !manages) throw forbidden('only an admin of the user can change its email or status');
    if (input.password != null && !isSelf) throw forbidden('a password is changed by its owner, or with a reset link');
    const firstName = input.firstName == null ? undefined : personName(input.firstName, 'firstName');
    const lastName = input.lastName == null ? undefined : personName(input.lastName, 'lastName');
    const passwordHash =
      input.password == null ? undefined : await this.newOwnPasswordHash(target, input.password, input.currentPassword);
    if (!emailChanges && !statusChanges && !passwordHash) return this.rename(target, firstName, lastName);

    return this.inTransaction(async (tx) => {
      const user = await tx.findOneOrFail(User, id);
      const now = new Date();
      if (firstName !== undefined) user.firstName = firstName;
      if (lastName !== undefined) user.lastName = lastName;
      if (emailChanges) {
        if (await tx.count(User, { email, id: { $ne: id } })) throw duplicateEmail();
        user.email = email;
      }
      if (statusChanges) {
        user.status = status;
        if (status !== UserStatus.ACTIVE) user.credentialsChangedAt = now;
      }
      if (passwordHash) {
        user.passwordHash = passwordHash;
        user.credentialsChangedAt = now;
      }
      if (emailChanges || statusChanges || passwordHash) await revokePasswordTokens(tx, id, now);
      return user;
    });
  }

  /**
   * The most common edit, names only: one UPDATE … RETURNING, atomic on its own, setting only the
   * names given (a concurrent change of the other stays). Nothing is written, and `updatedAt` stays,
   * when the names are the ones the user has (legacy clients send the whole object back).
   */
  private async rename(target: User, firstName: string | undefined, lastName: string | undefined): Promise<User> {
    if ((firstName ?? target.firstName) === target.firstName && (lastName ?? target.lastName) === target.lastName) return target;
    const { em } = this.ctx;
    const [row] = await queryPreparedArrays(
      em,
      `update users set first_name = coalesce(?, first_name), last_name = coalesce(?, last_name), updated_at = now()
        where id = ? returning ${readColumns(em, User, 'users')}`,
      [firstName ?? null, lastName ?? null, target.id],
    );
    if (!row) throw notFound('user', target.id);
    this.ctx.loaders.userById.clear(target.id);
    return toReadModel(em, User, row);
  }

  /** Admin rank in a company where the user holds an access; only a super admin manages a super admin. */
  private async manages(target: User): Promise<boolean> {
    const scope = await this.ctx.scope();
    if (scope.isSuperAdmin) return true;
    const grants = await this.ctx.loaders.userAccessesByUserId.load(target.id);
    const accesses = await this.ctx.loaders.accessById.loadMany(grants.map((grant) => grant.access.id));
    if (accesses.some((access) => access instanceof Error || access?.key === 'super_admin')) return false;
    return grants.some((grant) => can(scope, 'user.manage', grant.company.id));
  }

  private async newOwnPasswordHash(user: User, password: string, currentPassword: string | null | undefined): Promise<string> {
    if (!currentPassword) throw invalidField('currentPassword', 'is required to change the password');
    assertPasswordStrength(password);
    const { passwordHash } = await this.ctx.em.findOneOrFail(User, user.id, { populate: ['passwordHash'] });
    if (!passwordHash || !(await verifyPassword(passwordHash, currentPassword))) {
      throw invalidField('currentPassword', 'is not the current password');
    }
    return hashPassword(password);
  }

  /** A concurrent request can take the email between the check and the insert: same answer then. */
  private async inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.ctx.em.transactional(work);
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw duplicateEmail();
      throw error;
    }
  }
}

/** Without a password nobody can sign in yet, so such a user starts PENDING until the mailed link is used. */
function initialStatus(input: CreateUserInput): UserStatus {
  if (input.password != null) return input.status ?? UserStatus.ACTIVE;
  if (input.status != null && input.status !== UserStatus.PENDING) {
    throw invalidField('status', 'must be PENDING when no password is given');
  }
  return UserStatus.PENDING;
}
