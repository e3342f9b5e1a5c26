import { canonicalEmail, isEmailAddress, MAX_EMAIL_LENGTH } from './email-address';
import { invalidField } from './errors';

/**
 * The limits of the text fields clients write, and the normalisation that goes with them, declared
 * once. Entities (`@Property({ length })`), graph inputs (`@MaxLength`), REST schemas
 * (`z.string().max`), the CSV importer and the configuration all take them from here, which is why
 * it sits in shared/: every layer may import it. A limit that is a column's length is also the
 * migration's: changing it here needs a migration.
 *
 * The email rule itself stays in `email-address.ts` (it is also the OpenAPI document's `Email`
 * schema); its length is declared there and re-exported here.
 *
 * The rules below count UTF-16 code units unless one says otherwise; PostgreSQL counts code points,
 * so a value a rule accepts always fits its column.
 */
export { MAX_EMAIL_LENGTH };

/** A first or last name of a user or an invitation (`varchar(100)`). */
export const MAX_PERSON_NAME_LENGTH = 100;

/** A company's name (`varchar(200)`), counted in code points (characters, as PostgreSQL counts). */
export const MAX_COMPANY_NAME_LENGTH = 200;

/** The name an admin gives an API key, to tell its keys apart (`varchar(100)`). */
export const MAX_API_KEY_NAME_LENGTH = 100;

/** A free-text filter (`q` of users and companies): words matched against names and emails. */
export const MAX_SEARCH_TEXT_LENGTH = 100;

/** A new password (NIST SP 800-63B: length is what counts); see `newPasswordProblem`. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

/**
 * What is wrong with a new password (undefined: nothing). NIST SP 800-63B style: length is what
 * counts; no composition rules, a sane upper bound.
 */
export function newPasswordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (new Set(password).size < 4) return 'is too easy to guess';
  return undefined;
}

/**
 * Any password a request carries, also one that is only checked against a hash (the current
 * password, a login): a bound on what a request may ask to hash. Only a new password must also
 * meet MAX_PASSWORD_LENGTH.
 */
export const MAX_PASSWORD_INPUT_LENGTH = 1024;

/** The name a client gives a file it sends (an import keeps it, in a `varchar(255)`). */
export const MAX_FILE_NAME_LENGTH = 255;

/** The MIME type a client claims for a file it sends (informative only: the bytes decide). */
export const MAX_MEDIA_TYPE_LENGTH = 255;

/** A one-time token as the graph's inputs take it (tokens are 43 characters of base64url). */
export const MAX_TOKEN_LENGTH = 128;

/**
 * A one-time token as the REST routes take it before passing it to the graph. Looser than
 * MAX_TOKEN_LENGTH, as it always was: it is part of the published OpenAPI document.
 */
export const MAX_REST_TOKEN_LENGTH = 200;

/**
 * What a person typed: white space around the value goes (String.prototype.trim: spaces, tabs, line
 * breaks, no-break spaces and the other Unicode spaces).
 */
export const trimWhiteSpace = (value: string): string => value.trim();

/**
 * A cell of an imported CSV file is plain text stored as written: only U+0020 spaces around it go,
 * and a leading tab or carriage return (which spreadsheets read as the start of a formula) or a
 * no-break space stays, as the import tests require.
 */
export const trimSpaces = (value: string): string => value.replace(/^ +| +$/g, '');

/** A field's value as it is stored, or what is wrong with it in the words clients see. */
export type FieldCheck = { value: string; problem?: undefined } | { value?: undefined; problem: string };

/**
 * The rule of a person's first or last name, for every way one arrives (createUser, updateUser,
 * invitations and the CSV importer): trimmed by `trim`, not blank, at most MAX_PERSON_NAME_LENGTH.
 * Only the trimming differs between typed input (`trimWhiteSpace`) and an import (`trimSpaces`).
 */
export function checkPersonName(raw: string, trim: (value: string) => string = trimWhiteSpace): FieldCheck {
  const value = trim(raw);
  if (!value.trim()) return { problem: 'must not be empty' };
  if (value.length > MAX_PERSON_NAME_LENGTH) return { problem: `must have at most ${MAX_PERSON_NAME_LENGTH} characters` };
  return { value };
}

/** A typed person's name as stored, or BAD_USER_INPUT naming `field`. */
export function personName(value: string, field: string): string {
  return orInvalid(checkPersonName(value), field);
}

/**
 * Emails are stored trimmed and lower-cased (the database checks the case), so lookups ignore case;
 * the result must follow the one email rule (`shared/email-address.ts`).
 */
export function checkEmail(raw: string): FieldCheck {
  const value = canonicalEmail(raw);
  return isEmailAddress(value) ? { value } : { problem: 'must be an email' };
}

/** An email as stored, or BAD_USER_INPUT naming `field`. */
export function normalizeEmail(value: string, field = 'email'): string {
  return orInvalid(checkEmail(value), field);
}

/** A company's name: trimmed of white space, not empty, at most MAX_COMPANY_NAME_LENGTH characters. */
export function checkCompanyName(raw: string): FieldCheck {
  const value = trimWhiteSpace(raw);
  if (!value) return { problem: 'must not be empty' };
  if ([...value].length > MAX_COMPANY_NAME_LENGTH) return { problem: `must be at most ${MAX_COMPANY_NAME_LENGTH} characters` };
  return { value };
}

/** A company's name as stored, or BAD_USER_INPUT naming `field`. */
export function companyName(value: string, field = 'name'): string {
  return orInvalid(checkCompanyName(value), field);
}

/** An API key's name: trimmed of white space, not empty, at most MAX_API_KEY_NAME_LENGTH. */
export function checkApiKeyName(raw: string): FieldCheck {
  const value = trimWhiteSpace(raw);
  if (!value) return { problem: 'must not be empty' };
  if (value.length > MAX_API_KEY_NAME_LENGTH) return { problem: `must have at most ${MAX_API_KEY_NAME_LENGTH} characters` };
  return { value };
}

/** An API key's name as stored, or BAD_USER_INPUT naming `field`. */
export function apiKeyName(value: string, field = 'name'): string {
  return orInvalid(checkApiKeyName(value), field);
}

function orInvalid(checked: FieldCheck, field: string): string {
  if (checked.problem !== undefined) throw invalidField(field, checked.problem);
  return checked.value;
}

/** The longest webhook URL an endpoint takes. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * What is wrong with the shape of a webhook URL (undefined: nothing): its length, that it parses,
 * its scheme (https, and plain http where `allowHttp`), no user name or password, no fragment.
 * Which hosts it may name is the webhook module's rule (webhook-target.ts).
 */
export function webhookUrlShapeProblem(raw: string, { allowHttp }: { allowHttp: boolean }): string | undefined {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  if (!URL.canParse(raw)) return 'is not a valid URL';
  const url = new URL(raw);
  const schemes = allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) return `must use ${allowHttp ? 'https or http' : 'https'}`;
  if (url.username || url.password) return 'must not contain a user name or password';
  // `hash` is empty for a bare trailing '#'; the serialized URL has a '#' only as the fragment's start.
  if (url.href.includes('#')) return 'must not contain a fragment';
  return undefined;
}

/** The longest description of a webhook endpoint, counted in characters once trimmed. */
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 500;

/** What is wrong with a webhook endpoint's description (undefined: nothing); it is stored trimmed. */
export const webhookDescriptionProblem = (given: string): string | undefined =>
  [...given.trim()].length > MAX_WEBHOOK_DESCRIPTION_LENGTH
    ? `must be at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`
    : undefined;
