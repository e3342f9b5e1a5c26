import { connectionOf, USER_FIELDS } from '../../src/rest/fragments';

/**
 * The GraphQL documents the benchmark sends, per server. The gateway's are those of the contract
 * (the benchmark query of the README); PostGraphile's ask for the
 * same data in its own naming (checked against its introspected schema). PostGraphile has no
 * computed `fullName`, `avatarUrl` or `primaryCompany`: it returns the columns they derive from
 * and the parent of every granted company, a little more than the gateway sends.
 */

export const GATEWAY_BENCH = `query Bench($first: Int!) {
  users(first: $first) { totalCount edges { node {
    id fullName email status avatarUrl
    primaryCompany { id name parentCompany { id name } }
    accesses { id primary access { id name } company { id name } }
  } } }
}`;

export const POSTGRAPHILE_BENCH = `query Bench($first: Int!) {
  allUsers(first: $first, orderBy: PRIMARY_KEY_ASC) { totalCount nodes {
    rowId firstName lastName email status avatarKey
    userAccessesByUserId(orderBy: PRIMARY_KEY_ASC) { nodes {
      rowId primary
      accessByAccessId { rowId name }
      companyByCompanyId { rowId name companyByParentId { rowId name } }
    } }
  } }
}`;

/** What `GET /api/v1/users?per_page=100` runs inside the gateway, sent as GraphQL. */
export const GATEWAY_REST_EQUIVALENT = `query ListUsers($first: Int, $after: String, $filter: UserFilter) {
  users(first: $first, after: $after, filter: $filter) { ${connectionOf('LegacyUser')} }
} ${USER_FIELDS}`;

export const GATEWAY_LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token }
}`;

export const GATEWAY_UPDATE_USER = `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id firstName }
}`;

export const POSTGRAPHILE_UPDATE_USER = `mutation UpdateUser($id: Int!, $firstName: String!) {
  updateUserByRowId(input: { rowId: $id, userPatch: { firstName: $firstName } }) { user { rowId firstName } }
}`;

export const GATEWAY_START_IMPORT = `mutation StartImport($companyId: ID!, $base64: Base64FileInput) {
  startImport(companyId: $companyId, base64: $base64) { id status }
}`;

export const GATEWAY_IMPORT_PROGRESS = `query ImportProgress($id: ID!) {
  importFile(id: $id) { status totalRows processedRows createdCount failedCount }
}`;

/** The limit server picks its one statement by operation name and ignores the document. */
export const LIMIT_DOCUMENT = '# answered by one prepared statement';

export function graphqlBody(query: string, operationName: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, operationName, variables });
}
