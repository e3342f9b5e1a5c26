import { getMetadataStorage, validateOrReject, type ValidationError, type ValidatorOptions } from 'class-validator';
import { ArgumentValidationError, type ValidatorFn } from 'type-graphql';

/** type-graphql's defaults for its own `validate`: only what is set is checked, unknown objects pass. */
const OPTIONS: ValidatorOptions = { skipMissingProperties: true, forbidUnknownValues: false };

const isObject = (value: unknown): value is object => value !== null && typeof value === 'object';

/** Per class: whether it declares any class-validator rule (asked once per class). */
const declaresRules = new WeakMap<object, boolean>();

/** An object of a class without rules (paging arguments...) passes as class-validator would pass it, without a promise. */
function hasRules(value: object): boolean {
  let known = declaresRules.get(value.constructor);
  if (known === undefined) {
    known = getMetadataStorage().getTargetValidationMetadatas(value.constructor, '', true, false).length > 0;
    declaresRules.set(value.constructor, known);
  }
  return known;
}

async function validateObjects(value: object): Promise<void> {
  try {
    if (Array.isArray(value)) await Promise.all(value.filter(isObject).map((item) => validateOrReject(item, OPTIONS)));
    else await validateOrReject(value, OPTIONS);
  } catch (errors) {
    throw new ArgumentValidationError(errors as ValidationError[]);
  }
}

/**
 * Checks input objects against their class-validator decorators, as type-graphql's `validate`
 * option does, but with class-validator loaded once: type-graphql's own path imports it again for
 * every argument, and re-wraps its hundred exports each time (3% of a mutation's event loop).
 * Scalars, and objects of classes without rules, pass without a promise.
 */
export const validateArguments: ValidatorFn = (value) =>
  isObject(value) && (Array.isArray(value) ? value.some((item) => isObject(item) && hasRules(item)) : hasRules(value))
    ? validateObjects(value)
    : undefined;
