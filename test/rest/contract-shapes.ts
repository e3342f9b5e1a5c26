/**
 * The legacy REST objects (docs/api/rest.md), written out independently of the gateway's own schemas so
 * that a test compares the gateway against the contract, not against itself. A shape maps each
 * key to its type: 'number', 'string', 'boolean', 'time' (ISO-8601 UTC), 'string[]', a nested
 * shape, or any of these with '|null'.
 */
export type Shape = { [key: string]: string | Shape | { nullable: Shape } | { arrayOf: Shape } };

export const PRIMARY_ACCESS: Shape = { id: 'number', company_id: 'number', access_id: 'number', access_name: 'string' };
export const PRIMARY_COMPANY: Shape = { id: 'number', name: 'string', default: 'boolean', parent_company_id: 'number|null' };

export const USER: Shape = {
  id: 'number',
  first_name: 'string',
  last_name: 'string',
  email: 'string',
  status: 'string',
  full_name: 'string',
  avatar_route: 'string|null',
  primary_access: { nullable: PRIMARY_ACCESS },
  primary_company: { nullable: PRIMARY_COMPANY },
  onboarding_completed_at: 'time|null',
  created_at: 'time',
  updated_at: 'time',
};
export const USER_ACCESS: Shape = {
  id: 'number',
  user_id: 'number',
  company_id: 'number',
  access_id: 'number',
  access_name: 'string',
  primary: 'boolean',
};
export const COMPANY: Shape = {
  id: 'number',
  name: 'string',
  default: 'boolean',
  parent_company_id: 'number|null',
  avatar_route: 'string|null',
  membership_id: 'number|null',
  created_at: 'time',
};
export const ACCESS: Shape = { id: 'number', key: 'string', name: 'string', description: 'string|null' };
export const MEMBERSHIP: Shape = {
  id: 'number',
  name: 'string',
  description: 'string|null',
  max_users: 'number|null',
  price_cents: 'number',
  currency: 'string',
  features: 'string[]',
};
export const STAGE: Shape = { id: 'number', name: 'string', position: 'number' };
export const LEGAL_TERM: Shape = { id: 'number', version: 'string', title: 'string', body: 'string', published_at: 'time' };
export const INVITATION: Shape = {
  id: 'number',
  email: 'string',
  company_id: 'number',
  access_id: 'number',
  status: 'string',
  invited_by_id: 'number|null',
  expires_at: 'time',
  created_at: 'time',
};
export const IMPORT_FILE: Shape = {
  id: 'number',
  name: 'string',
  company_id: 'number',
  status: 'string',
  total_rows: 'number',
  processed_rows: 'number',
  created_count: 'number',
  failed_count: 'number',
  errors: { arrayOf: { row: 'number', field: 'string|null', message: 'string' } },
  created_at: 'time',
  started_at: 'time|null',
  finished_at: 'time|null',
};
export const API_KEY: Shape = {
  id: 'number',
  name: 'string',
  prefix: 'string',
  company_id: 'number',
  access_id: 'number',
  created_by_id: 'number|null',
  created_at: 'time',
  last_used_at: 'time|null',
  expires_at: 'time|null',
  revoked_at: 'time|null',
};
export const META: Shape = { page: 'number', per_page: 'number', total: 'number', total_pages: 'number' };

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

function matchesType(value: unknown, type: string): boolean {
  return type.split('|').some((alternative) => {
    switch (alternative) {
      case 'null':
        return value === null;
      case 'time':
        return typeof value === 'string' && ISO_UTC.test(value);
      case 'string[]':
        return Array.isArray(value) && value.every((item) => typeof item === 'string');
      case 'number':
        return typeof value === 'number' && Number.isInteger(value);
      default:
        return typeof value === alternative;
    }
  });
}

/** Every key of the shape is present with its type (extra keys are allowed by the contract). */
export function shapeProblems(value: unknown, shape: Shape, path = '$'): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path} is not an object`];
  const object = value as Record<string, unknown>;
  return Object.entries(shape).flatMap(([key, type]) => {
    const at = `${path}.${key}`;
    if (!(key in object)) return [`${at} is missing`];
    const child = object[key];
    if (typeof type === 'string')
      return matchesType(child, type) ? [] : [`${at} should be ${type}, got ${JSON.stringify(child)}`];
    if ('nullable' in type) return child === null ? [] : shapeProblems(child, type.nullable as Shape, at);
    if ('arrayOf' in type) {
      return Array.isArray(child)
        ? child.flatMap((item, index) => shapeProblems(item, type.arrayOf as Shape, `${at}[${index}]`))
        : [`${at} is not an array`];
    }
    return shapeProblems(child, type as Shape, at);
  });
}

export function expectShape(value: unknown, shape: Shape): void {
  expect(shapeProblems(value, shape)).toEqual([]);
}

export function expectErrorBody(body: any, code: string): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/stack|select |insert |update |argon2/i);
}
