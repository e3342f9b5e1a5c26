import { ValidateBy } from 'class-validator';
import {
  checkApiKeyName,
  checkCompanyName,
  checkEmail,
  checkPersonName,
  type FieldCheck,
  MAX_EMAIL_LENGTH,
  MAX_PERSON_NAME_LENGTH,
  newPasswordProblem,
} from './field-rules';
import { idProblem } from './ids';

/**
 * A class-validator decorator for a rule that says what is wrong with a string field (undefined: nothing).
 * Inputs carry their fields' rules as decorators so that one validation pass reports every invalid
 * field of an input at once, in one BAD_USER_INPUT; the services still normalise with the same rules
 * (and throw for the first problem, which validation has then already ruled out).
 */
export function FollowsRule(name: string, problemOf: (value: string) => string | undefined): PropertyDecorator {
  return followsCheck(name, (value) => (typeof value === 'string' ? problemOf(value) : 'must be a string'));
}

/** As `FollowsRule`, for a list of strings judged as a whole (a webhook's event types). */
export function FollowsListRule(name: string, problemOf: (values: string[]) => string | undefined): PropertyDecorator {
  const isStrings = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((item) => typeof item === 'string');
  return followsCheck(name, (value) => (isStrings(value) ? problemOf(value) : 'must be a list of strings'));
}

function followsCheck(name: string, problem: (value: unknown) => string | undefined): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value) => problem(value) === undefined,
      // `$property ` is the prefix the GraphQL error formatter strips to leave the field's problem.
      defaultMessage: (args) => `$property ${problem(args?.value)}`,
    },
  });
}

const problemOf = (check: (value: string) => FieldCheck) => (value: string) => check(value).problem;

/**
 * A bound on the value as sent, white space included, before the rule trims it: what these fields
 * always had (`@MaxLength`), so a name of 100 characters and a tab stays refused.
 */
const sentAtMost =
  (max: number, tooLong: string, rule: (value: string) => string | undefined) =>
  (value: string): string | undefined =>
    value.length > max ? tooLong : rule(value);

/** A first or last name (`checkPersonName`). */
export const IsPersonName = () =>
  FollowsRule(
    'personName',
    sentAtMost(MAX_PERSON_NAME_LENGTH, `must have at most ${MAX_PERSON_NAME_LENGTH} characters`, problemOf(checkPersonName)),
  );
/** An email address, once trimmed and lower-cased (`checkEmail`). */
export const IsEmailAddress = () =>
  FollowsRule('emailAddress', sentAtMost(MAX_EMAIL_LENGTH, 'must be an email', problemOf(checkEmail)));
/** A company's name (`checkCompanyName`). */
export const IsCompanyName = () => FollowsRule('companyName', problemOf(checkCompanyName));
/** An API key's name (`checkApiKeyName`). */
export const IsApiKeyName = () => FollowsRule('apiKeyName', problemOf(checkApiKeyName));
/** An `ID` naming a row: a positive integer (`parseId`). */
export const IsRowId = () => FollowsRule('rowId', idProblem);
/** A new password (`newPasswordProblem`). */
export const IsNewPassword = () => FollowsRule('newPassword', newPasswordProblem);
