import { z } from 'zod';
import { EmailAddress } from '../shared/email-address';
import { ERROR_CODES } from '../shared/errors';

/**
 * The legacy REST objects (docs/api/rest.md), as zod schemas: the presenters' types and the OpenAPI
 * document's component schemas both come from here, so they cannot disagree.
 */
const id = z.number().int().positive();
const time = z.iso.datetime().describe('ISO-8601 UTC');
const nullableTime = time.nullable();
const email = EmailAddress.meta({
  id: 'Email',
  description: 'As stored (trimmed, lower-cased); the gateway accepts exactly these.',
});
const parentCompanyId = id
  .nullable()
  .describe("the parent's id, also where the caller may not see the parent (an id is not its data); null only for a root");

export const UserAccessJson = z
  .object({ id, user_id: id, company_id: id, access_id: id, access_name: z.string(), primary: z.boolean() })
  .meta({ id: 'UserAccess', description: 'One (company, access) grant of a user; exactly one per user is primary.' });

export const UserJson = z
  .object({
    id,
    first_name: z.string(),
    last_name: z.string(),
    email,
    status: z.enum(['pending', 'active', 'inactive']),
    full_name: z.string(),
    avatar_route: z.string().nullable().describe('GET it to download the image; null when none'),
    primary_access: z.object({ id, company_id: id, access_id: id, access_name: z.string() }).nullable(),
    primary_company: z.object({ id, name: z.string(), default: z.boolean(), parent_company_id: parentCompanyId }).nullable(),
    onboarding_completed_at: nullableTime,
    created_at: time,
    updated_at: time,
  })
  .meta({ id: 'User' });

export const CompanyJson = z
  .object({
    id,
    name: z.string(),
    default: z.boolean(),
    parent_company_id: parentCompanyId,
    avatar_route: z.string().nullable(),
    membership_id: id.nullable(),
    created_at: time,
  })
  .meta({ id: 'Company' });

export const AccessJson = z
  .object({
    id,
    key: z.enum(['super_admin', 'admin', 'manager', 'member']),
    name: z.string(),
    description: z.string().nullable(),
  })
  .meta({ id: 'Access', description: 'A role.' });

export const MembershipJson = z
  .object({
    id,
    name: z.string(),
    description: z.string().nullable(),
    max_users: z.number().int().nullable().describe('null: unlimited'),
    price_cents: z.number().int(),
    currency: z.string(),
    features: z.array(z.string()),
  })
  .meta({ id: 'Membership', description: 'A plan.' });

export const StageJson = z.object({ id, name: z.string(), position: z.number().int() }).meta({ id: 'Stage' });

export const LegalTermJson = z
  .object({ id, version: z.string(), title: z.string(), body: z.string(), published_at: time })
  .meta({ id: 'LegalTerm', description: 'A published version of the terms and conditions.' });

export const InvitationJson = z
  .object({
    id,
    email,
    company_id: id,
    access_id: id,
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    invited_by_id: id.nullable(),
    expires_at: time,
    created_at: time,
  })
  .meta({ id: 'Invitation' });

export const ImportFileJson = z
  .object({
    id,
    name: z.string(),
    company_id: id,
    status: z.enum(['queued', 'processing', 'completed', 'failed']),
    total_rows: z.number().int(),
    processed_rows: z.number().int(),
    created_count: z.number().int(),
    failed_count: z.number().int(),
    errors: z.array(z.object({ row: z.number().int(), field: z.string().nullable(), message: z.string() })),
    created_at: time,
    started_at: nullableTime,
    finished_at: nullableTime,
  })
  .meta({ id: 'ImportFile', description: 'A bulk CSV import of users and its progress.' });

export const AuthJson = z
  .object({
    token: z.string().describe('the access token: send it as `Authorization: Bearer <token>`'),
    expires_at: time,
    refresh_token: z.string().describe('single use: POST it to /users/refresh for a new pair before the session ends'),
    user: UserJson,
  })
  .meta({ id: 'Auth', description: 'A new session: an access token and a refresh token.' });

export const SessionJson = z
  .object({
    id: z.uuid(),
    created_at: time,
    last_used_at: time,
    expires_at: time.describe('the latest it can last (SESSION_MAX_TTL); unused for SESSION_IDLE_TTL it ends sooner'),
    client_ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    current: z.boolean().describe("whether it is the session of the request's token"),
  })
  .meta({ id: 'Session', description: 'A sign-in on one device.' });

export const ApiKeyJson = z
  .object({
    id,
    name: z.string(),
    prefix: z.string().describe('the first characters of the secret, to recognise the key'),
    company_id: id,
    access_id: id,
    created_by_id: id.nullable().describe('null when the caller may not see the user who created it'),
    created_at: time,
    last_used_at: nullableTime.describe('updated at most once a minute'),
    expires_at: nullableTime.describe('null: until revoked'),
    revoked_at: nullableTime,
  })
  .meta({ id: 'ApiKey', description: 'A key for machines; its secret is only in the answer that created it.' });

export const PageMetaJson = z
  .object({ page: z.number().int(), per_page: z.number().int(), total: z.number().int(), total_pages: z.number().int() })
  .meta({ id: 'PageMeta' });

export const AuditEventJson = z
  .object({
    id,
    occurred_at: time,
    action: z.string().describe('`<target>.<verb>`, e.g. `user.update`'),
    target_type: z.string(),
    target_id: z.string().nullable(),
    company_id: id.nullable().describe('null: an event of no company (for super_admins only)'),
    actor_user_id: id
      .nullable()
      .describe('the person who acted; null with an API key, when nobody was signed in, or when the caller may not see them'),
    actor_api_key_id: id.nullable(),
    changes: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe('the fields the change touched, `{"<field>": {"old": …, "new": …}}`; never a secret'),
    request_id: z.string().nullable(),
    client_ip: z.string().nullable(),
    user_agent: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent', description: 'One line of the audit trail; events never change.' });

export const CursorPageMetaJson = z
  .object({
    limit: z.number().int(),
    next_cursor: z.string().nullable().describe('send it as `cursor` for the next page; null on the last page'),
  })
  .meta({ id: 'CursorPageMeta', description: 'A keyset page: no total (counting a long list reads all of it).' });

export const ErrorJson = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type UserJson = z.infer<typeof UserJson>;
export type UserAccessJson = z.infer<typeof UserAccessJson>;
export type CompanyJson = z.infer<typeof CompanyJson>;
export type AccessJson = z.infer<typeof AccessJson>;
export type MembershipJson = z.infer<typeof MembershipJson>;
export type StageJson = z.infer<typeof StageJson>;
export type LegalTermJson = z.infer<typeof LegalTermJson>;
export type PageMetaJson = z.infer<typeof PageMetaJson>;
export type AuditEventJson = z.infer<typeof AuditEventJson>;
export type InvitationJson = z.infer<typeof InvitationJson>;
export type ImportFileJson = z.infer<typeof ImportFileJson>;
export type SessionJson = z.infer<typeof SessionJson>;
export type ApiKeyJson = z.infer<typeof ApiKeyJson>;
