import { z } from 'zod';

/**
 * The one rule for an email address. The gateway's input check (`normalizeEmail`, after trimming and
 * lower-casing) and the `Email` schema of the OpenAPI document are both this schema, so every address
 * the gateway stores and answers validates against its document, and every address the document allows
 * is accepted. It describes the stored form, in lower case:
 *
 * - a local part of at most 64 characters: dot-separated runs of RFC 5322 atext (letters, digits and
 *   ! # $ % & ' * + - / = ? ^ _ ` { | } ~), so plus tags and apostrophes pass; quoted local parts do not;
 * - a domain of two labels or more (letters, digits and inner hyphens, 63 characters at most), the last
 *   of them letters only or an IDN in ASCII (`xn--…`): no single-label host, no IP address, and an
 *   internationalised domain is sent in its ASCII form, as browsers' email fields send it;
 * - MAX_EMAIL_LENGTH (254) characters in all, the longest address SMTP can carry (RFC 5321's 256-octet
 *   path less its angle brackets), and the length of the `email` columns.
 *
 * The pattern is ECMA-262 without flags, the dialect of JSON Schema's `pattern`, so that the document's
 * validators read it as the gateway does.
 */
const ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const TOP_LEVEL_LABEL = '(?:[a-z]{2,63}|xn--[a-z0-9-]{0,58}[a-z0-9])';
const EMAIL_PATTERN = new RegExp(`^(?=[^@]{1,64}@)${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+${TOP_LEVEL_LABEL}$`);

export const MAX_EMAIL_LENGTH = 254;

export const EmailAddress = z.string().max(MAX_EMAIL_LENGTH, 'must be an email').regex(EMAIL_PATTERN, 'must be an email');

export const isEmailAddress = (value: string): boolean => EmailAddress.safeParse(value).success;

/**
 * The stored form of an address as a client wrote it: trimmed of white space and lower-cased. Lookups
 * (login, password reset, rate-limit keys) use it unchecked; writes check the result against the rule.
 */
export const canonicalEmail = (value: string): string => value.trim().toLowerCase();
