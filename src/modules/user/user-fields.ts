import { isEmailAddress } from '../../shared/email-address';
import { invalidField } from '../../shared/errors';

const MAX_NAME_LENGTH = 100;

/** Emails are stored trimmed and lower-cased (the database checks it), so lookups ignore case. */
export function normalizeEmail(value: string, field = 'email'): string {
  const email = value.trim().toLowerCase();
  if (!isEmailAddress(email)) throw invalidField(field, 'must be an email');
  return email;
}

export function personName(value: string, field: string): string {
  const name = value.trim();
  if (!name) throw invalidField(field, 'must not be empty');
  if (name.length > MAX_NAME_LENGTH) throw invalidField(field, `must have at most ${MAX_NAME_LENGTH} characters`);
  return name;
}
