import { connectionOf, USER_FIELDS } from '../../src/rest/fragments';

/**
 * The GraphQL documents the benchmark sends, per server, besides those it shares with the tests
 * (test/helpers/documents.ts: BENCH_QUERY, the contract's benchmark query, LOGIN, START_IMPORT).
 * PostGraphile's ask for the same data in its own naming (checked against its introspected
 * schema). PostGraphile has no computed `fullName`, `avatarUrl` or `primaryCompany`: it returns the columns they derive from
 * and the parent of every granted company, a little more than the gateway sends.
 */

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

export const GATEWAY_UPDATE_USER = `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id firstName }
}`;

export const POSTGRAPHILE_UPDATE_USER = `mutation UpdateUser($id: Int!, $firstName: String!) {
  updateUserByRowId(input: { rowId: $id, userPatch: { firstName: $firstName } }) { user { rowId firstName } }
}`;

export const GATEWAY_IMPORT_PROGRESS = `query ImportProgress($id: ID!) {
  importFile(id: $id) { status totalRows processedRows createdCount failedCount startedAt finishedAt }
}`;

/** The limit server picks its one statement by operation name and ignores the document. */
export const LIMIT_DOCUMENT = '# answered by one prepared statement';

export function graphqlBody(query: string, operationName: string | undefined, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, operationName, variables });
}
