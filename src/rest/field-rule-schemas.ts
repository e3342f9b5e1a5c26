import { z } from 'zod';
import {
  checkApiKeyName,
  checkCompanyName,
  checkEmail,
  checkPersonName,
  type FieldCheck,
  MAX_API_KEY_NAME_LENGTH,
  MAX_COMPANY_NAME_LENGTH,
  MAX_EMAIL_LENGTH,
  MAX_PASSWORD_INPUT_LENGTH,
  MAX_PASSWORD_LENGTH,
  MAX_PERSON_NAME_LENGTH,
  MAX_WEBHOOK_URL_LENGTH,
  newPasswordProblem,
  webhookDescriptionProblem,
  webhookUrlShapeProblem,
} from '../shared/field-rules';
import { idProblem } from '../shared/ids';

/**
 * The fields of REST bodies that follow one of the graph's field rules, checked by the route's
 * schema with the very rule the graph's validation applies. A body is parsed before its operation
 * runs, so without them a body with a problem only the schema sees (a company_id that is no number)
 * and one only the graph sees (a malformed email) would report the first alone; now both are in the
 * one BAD_USER_INPUT, with the graph's words.
 *
 * The rules are refinements: the OpenAPI document still describes each field as before (a string
 * and its maxLength), since a value is trimmed or lower-cased before the rule judges it.
 */
function followingRule(maxLength: number, tooLong: string, problemOf: (value: string) => string | undefined) {
  return z
    .string()
    .max(maxLength, tooLong)
    .superRefine((value, ctx) => {
      // A value that is too long is reported once, by `max`.
      if (value.length > maxLength) return;
      const problem = problemOf(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
}

const problemOf = (check: (value: string) => FieldCheck) => (value: string) => check(value).problem;

/** A string the rule judges as a whole (no length of its own to document). */
function judgedBy(problemOf: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** A first or last name (`checkPersonName`). */
export const personName = () =>
  followingRule(MAX_PERSON_NAME_LENGTH, `must have at most ${MAX_PERSON_NAME_LENGTH} characters`, problemOf(checkPersonName));

/** An email address to store (`checkEmail`); a lookup (login, find_by_email) takes any string. */
export const emailAddress = () => followingRule(MAX_EMAIL_LENGTH, 'must be an email', problemOf(checkEmail));

/** A company's name (`checkCompanyName`). */
export const companyName = () =>
  followingRule(MAX_COMPANY_NAME_LENGTH, `must be at most ${MAX_COMPANY_NAME_LENGTH} characters`, problemOf(checkCompanyName));

/** An API key's name (`checkApiKeyName`). */
export const apiKeyName = () =>
  followingRule(MAX_API_KEY_NAME_LENGTH, `must have at most ${MAX_API_KEY_NAME_LENGTH} characters`, problemOf(checkApiKeyName));

/**
 * A new password (`newPasswordProblem`). Its documented bound stays the one of any password a
 * request carries; the rule's own, shorter one is reported in the rule's words.
 */
export const newPassword = () =>
  followingRule(MAX_PASSWORD_INPUT_LENGTH, `must have at most ${MAX_PASSWORD_LENGTH} characters`, newPasswordProblem);

/**
 * A row's id in a body: a positive integer, as legacy clients send it (a number or its digits),
 * and one the graph's `ID` rule accepts once the route passes it on as a string (`idProblem`: at
 * most 15 digits).
 */
export const rowId = () =>
  z.coerce
    .number()
    .int()
    .positive()
    .superRefine((value, ctx) => {
      // Not a positive (safe) integer is reported once, by `int` or `positive`.
      if (!Number.isSafeInteger(value) || value <= 0) return;
      const problem = idProblem(String(value));
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });

/**
 * A webhook URL's shape (`webhookUrlShapeProblem`, plain http allowed): whether it may use http or
 * name a private host depends on WEBHOOK_ALLOW_PRIVATE_TARGETS, which the service applies.
 */
export const webhookUrl = () =>
  followingRule(MAX_WEBHOOK_URL_LENGTH, `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`, (raw) =>
    webhookUrlShapeProblem(raw, { allowHttp: true }),
  );

/** A webhook endpoint's description (`webhookDescriptionProblem`). */
export const webhookDescription = () => judgedBy(webhookDescriptionProblem);
