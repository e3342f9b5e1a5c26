import { z } from 'zod';
import { COMPANY_FIELDS, connectionOf } from '../fragments';
import { CompanyJson } from '../legacy-objects';
import { listBody, pageVariables, presentList } from '../paging';
import { presentCompany } from '../presenters';
import { defineRoute, idParam, pagingQuery } from '../rest-route';

export const companyRoutes = [
  defineRoute({
    name: 'List companies',
    method: 'GET',
    path: '/companies',
    auth: 'token',
    query: pagingQuery.extend({
      parent_company_id: z.coerce.number().int().positive().optional(),
      q: z.string().max(100).optional(),
    }),
    document: `query ListCompanies($first: Int, $after: String, $filter: CompanyFilter) {
      companies(first: $first, after: $after, filter: $filter) { ${connectionOf('LegacyCompany')} }
    } ${COMPANY_FIELDS}`,
    variables: ({ query }) => ({
      ...pageVariables(query),
      filter: { parentCompanyId: query.parent_company_id?.toString(), q: query.q },
    }),
    present: ({ companies }, { query }) => presentList('companies', companies, presentCompany, query),
    status: 200,
    response: listBody('companies', CompanyJson),
    // 404: parent_company_id names a company the caller cannot see (or none).
    errors: [401, 404],
  }),
  defineRoute({
    name: 'Get an specific company',
    method: 'GET',
    path: '/companies/:id',
    auth: 'token',
    params: idParam(),
    document: `query ShowCompany($id: ID!) { company(id: $id) { ...LegacyCompany } } ${COMPANY_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ company }) => ({ company: presentCompany(company) }),
    status: 200,
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
      name: z.string().max(200),
      parent_company_id: z.coerce.number().int().positive().optional(),
      membership_id: z.coerce.number().int().positive().optional(),
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
