import { z } from 'zod';
import { MAX_SEARCH_TEXT_LENGTH } from '../../shared/field-rules';
import { companyName, rowId } from '../field-rule-schemas';
import { COMPANY_FIELDS, connectionOf } from '../fragments';
import { CompanyJson } from '../legacy-objects';
import { presentCompany } from '../presenters';
import { byIdRoute, pagedListRoute } from '../route-factories';
import { defineRoute } from '../rest-route';

export const companyRoutes = [
  pagedListRoute('List companies', '/companies', {
    filters: {
      parent_company_id: z.coerce.number().int().positive().optional(),
      q: z.string().max(MAX_SEARCH_TEXT_LENGTH).optional(),
    },
    document: `query ListCompanies($first: Int, $after: String, $filter: CompanyFilter) {
      companies(first: $first, after: $after, filter: $filter) { ${connectionOf('LegacyCompany')} }
    } ${COMPANY_FIELDS}`,
    filterVariables: (query) => ({ filter: { parentCompanyId: query.parent_company_id?.toString(), q: query.q } }),
    items: { connection: 'companies', key: 'companies', present: presentCompany, schema: CompanyJson },
    // 404: parent_company_id names a company the caller cannot see (or none).
    errors: [401, 404],
  }),
  byIdRoute('Get an specific company', 'GET', '/companies/:id', {
    document: `query ShowCompany($id: ID!) { company(id: $id) { ...LegacyCompany } } ${COMPANY_FIELDS}`,
    present: ({ company }) => ({ company: presentCompany(company) }),
    response: z.object({ company: CompanyJson }),
    errors: [401, 404],
  }),
  defineRoute({
    name: 'Create company',
    method: 'POST',
    path: '/companies',
    auth: 'token',
    resourceKey: 'company',
    body: z.object({
      name: companyName(),
      parent_company_id: rowId().optional(),
      membership_id: rowId().optional(),
      default: z.boolean().optional(),
    }),
    fieldNames: { isDefault: 'default' },
    document: `mutation CreateCompany($input: CreateCompanyInput!) { createCompany(input: $input) { ...LegacyCompany } } ${COMPANY_FIELDS}`,
    variables: ({ body }) => ({
      input: {
        name: body.name,
        parentCompanyId: body.parent_company_id?.toString(),
        membershipId: body.membership_id?.toString(),
        isDefault: body.default,
      },
    }),
    present: ({ createCompany }) => ({ company: presentCompany(createCompany) }),
    status: 201,
    response: z.object({ company: CompanyJson }),
    errors: [401, 403, 404, 409],
  }),
];
