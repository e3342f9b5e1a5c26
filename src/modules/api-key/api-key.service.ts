import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import { createApiKeySecret } from '../auth/api-key-secret';
import { assertMayCreateKeyWith, authorize } from '../auth/policy';
import { changedFields } from '../audit/audit-trail';
import { invalidField, notFound } from '../../shared/errors';
import { apiKeyName } from '../../shared/field-rules';
import { parseId } from '../../shared/ids';
import { ApiKey } from './api-key.entity';
import type { CreateApiKeyInput } from './api-key.inputs';

/** A key just created, with the secret its creator sees this once (only its hash is kept). */
export interface NewApiKey {
  secret: string;
  apiKey: ApiKey;
}

/**
 * API keys are managed by admins of their company (`api_key.manage`); a key carries at most its
 * creator's own rank there (see `assertMayCreateKeyWith`). Authenticating with one is `auth/`'s.
 */
export class ApiKeyService {
  constructor(private readonly ctx: RequestContext) {}

  async create(input: CreateApiKeyInput): Promise<NewApiKey> {
    const viewer = this.ctx.requireViewer();
    const companyId = parseId(input.companyId, 'companyId');
    const accessId = parseId(input.accessId, 'accessId');
    const scope = await this.ctx.scope();
    authorize(scope, 'api_key.manage', companyId, { kind: 'company', id: companyId });
    const company = await loadExisting(this.ctx.loaders.companyById, companyId, 'company');
    const access = await this.ctx.loaders.accessById.load(accessId);
    if (!access) throw invalidField('accessId', 'is not an access');
    assertMayCreateKeyWith(scope, company, access);
    const name = apiKeyName(input.name);
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw invalidField('expiresAt', 'must be in the future');

    const { secret, hash, prefix } = createApiKeySecret();
    const apiKey = await this.ctx.em.transactional(async (tx) => {
      const created = tx.create(ApiKey, {
        company: companyId,
        access: accessId,
        createdBy: viewer.id,
        name,
        prefix,
        secretHash: hash,
        expiresAt,
      });
      await tx.flush();
      await this.ctx.services.audit.record(tx, {
        action: 'api_key.create',
        targetType: 'api_key',
        targetId: created.id,
        companyId,
        changes: changedFields({}, { name, accessId, expiresAt }, ['name', 'accessId', 'expiresAt']),
      });
      return created;
    });
    return { secret, apiKey };
  }

  /** The keys of one company (not of the companies below it), newest first, revoked ones included. */
  async list(companyId: number): Promise<ApiKey[]> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    authorize(scope, 'api_key.manage', companyId, { kind: 'company', id: companyId });
    await loadExisting(this.ctx.loaders.companyById, companyId, 'company');
    return this.ctx.em.find(ApiKey, { company: companyId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  /** By whoever could have created it; revoking a revoked key changes nothing and records nothing. */
  async revoke(id: number): Promise<ApiKey> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const apiKey = await this.ctx.em.findOne(ApiKey, id);
    if (!apiKey || !scope.canSeeCompany(apiKey.company.id)) throw notFound('API key', id);
    authorize(scope, 'api_key.manage', apiKey.company.id, { kind: 'API key', id });
    const company = await loadExisting(this.ctx.loaders.companyById, apiKey.company.id, 'company');
    assertMayCreateKeyWith(scope, company, await loadExisting(this.ctx.loaders.accessById, apiKey.access.id, 'access'));
    if (apiKey.revokedAt) return apiKey;

    return this.ctx.em.transactional(async (tx) => {
      const revokedAt = new Date();
      // Conditional: of two revocations at once, one records its event and its instant stays.
      if (await tx.nativeUpdate(ApiKey, { id, revokedAt: null }, { revokedAt })) {
        await this.ctx.services.audit.record(tx, {
          action: 'api_key.revoke',
          targetType: 'api_key',
          targetId: id,
          companyId: company.id,
          changes: { revokedAt: { old: null, new: revokedAt } },
        });
      }
      return tx.findOneOrFail(ApiKey, id, { refresh: true });
    });
  }
}
