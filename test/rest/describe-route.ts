/**
 * Contract tests group their cases per route with `describeRoute('GET', '/users/:id', ...)`; the
 * route-coverage test reads these calls from the test files and fails for a route without one.
 */
export function describeRoute(method: string, path: string, body: () => void): void {
  describe(`${method} /api/v1${path}`, body);
}

export const DESCRIBE_ROUTE_CALL = /describeRoute\(\s*'(GET|POST|PUT|PATCH|DELETE)',\s*'([^']+)'/g;
