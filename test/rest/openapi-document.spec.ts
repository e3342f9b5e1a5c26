import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020';
import { normalizeEmail } from '../../src/shared/field-rules';
import { buildOpenApiDocument } from '../../src/rest/openapi';
import { REST_ROUTES, REST_STREAM_ROUTES } from '../../src/rest/route-table';

/** What the generated document says, beyond the responses the contract tests check against it. */
const document = buildOpenApiDocument(REST_ROUTES, REST_STREAM_ROUTES) as any;
const operations = () =>
  Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );

describe('the OpenAPI document', () => {
  it('validates under swagger-parser', async () => {
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
  });

  it('requires a body only where an empty one is refused: the avatar removals take their id from the query too', () => {
    const required = (method: string, path: string) => document.paths[`/api/v1${path}`][method].requestBody.required;
    expect(required('delete', '/users/avatar')).toBe(false);
    expect(required('delete', '/companies/avatar')).toBe(false);
    expect(required('put', '/users/{id}')).toBe(false);
    expect(required('post', '/users')).toBe(true);
    expect(required('post', '/users/reset_password')).toBe(true);
  });

  it('answers 413 and 415 on every route that reads a JSON body', () => {
    const withBody = operations().filter(({ operation }) => operation.requestBody);
    expect(withBody.length).toBeGreaterThan(10);
    for (const { name, operation } of withBody) {
      expect([name, Object.keys(operation.responses)]).toEqual([name, expect.arrayContaining(['413', '415'])]);
    }
  });

  it('promises Retry-After with every 429 and 503', () => {
    for (const { operation } of operations()) {
      for (const status of ['429', '503'].filter((status) => operation.responses[status])) {
        expect(operation.responses[status].headers['Retry-After']).toMatchObject({ required: true });
      }
    }
  });
});

describe('the one email rule', () => {
  const acceptedByTheGateway = (address: string) => {
    try {
      return normalizeEmail(address) === address;
    } catch {
      return false;
    }
  };
  const ajv = new Ajv2020();
  const allowedByTheDocument = (address: string) => ajv.validate(document.components.schemas.Email, address);
  const longestLocalPart = 'l'.repeat(64);
  /** With a local part of 64 and the @, a domain of 189 characters makes an address of 254, the most there may be. */
  const domainOf = (length: number) => `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(length - 132)}.com`;

  it.each<[string, boolean, string]>([
    ['a plain address', true, 'first.last@example.com'],
    ['a plus tag', true, 'first+tag@example.com'],
    ['an apostrophe', true, "o'brien@example.ie"],
    ['every other special character of a local part', true, '!#$%&*+-/=?^_`{|}~@example.com'],
    ['subdomains', true, 'user@mail.eu.example.co.uk'],
    ['an IDN in its ASCII form', true, 'user@xn--bcher-kva.de'],
    ['an IDN top-level domain in its ASCII form', true, 'user@example.xn--p1ai'],
    ['a long top-level domain', true, 'user@example.travelersinsurance'],
    ['a top-level domain of 63 letters', true, `user@example.${'t'.repeat(63)}`],
    ['a local part of 64 characters', true, `${longestLocalPart}@example.com`],
    ['254 characters', true, `${longestLocalPart}@${domainOf(189)}`],
    ['a quoted local part', false, '"john doe"@example.com'],
    ['a quoted local part without spaces', false, '"john"@example.com'],
    ['an IDN in Unicode', false, 'user@bücher.de'],
    ['a Unicode local part', false, 'jösé@example.com'],
    ['a single-label domain', false, 'user@localhost'],
    ['a top-level domain of 64 letters', false, `user@example.${'t'.repeat(64)}`],
    ['a one-letter top-level domain', false, 'user@example.c'],
    ['a numeric top-level domain', false, 'user@example.123'],
    ['an IP address', false, 'user@127.0.0.1'],
    ['an IP literal', false, 'user@[127.0.0.1]'],
    ['a local part of 65 characters', false, `l${longestLocalPart}@example.com`],
    ['255 characters', false, `${longestLocalPart}@${domainOf(190)}`],
    ['two dots in a row', false, 'first..last@example.com'],
    ['a leading dot', false, '.first@example.com'],
    ['a trailing dot in the local part', false, 'first.@example.com'],
    ['a label starting with a hyphen', false, 'user@-example.com'],
    ['a label ending with a hyphen', false, 'user@example-.com'],
    ['a space', false, 'first last@example.com'],
    ['two @', false, 'user@@example.com'],
    ['no @', false, 'user.example.com'],
    ['nothing', false, ''],
  ])('%s: %s on both sides', (_case, valid, address) => {
    expect({ gateway: acceptedByTheGateway(address), document: allowedByTheDocument(address) }).toEqual({
      gateway: valid,
      document: valid,
    });
  });

  it('is checked after trimming and lower-casing, the form the gateway stores and answers', () => {
    expect(normalizeEmail('  First.Last+Tag@Example.COM ')).toBe('first.last+tag@example.com');
    expect(allowedByTheDocument('first.last+tag@example.com')).toBe(true);
  });

  it('is the email of the User and the Invitation objects', () => {
    for (const object of ['User', 'Invitation']) {
      expect(document.components.schemas[object].properties.email).toEqual({ $ref: '#/components/schemas/Email' });
    }
  });
});
