import type { HttpMethod } from './rest-route';

/** What the matcher needs of a route (JSON routes and stream routes alike). */
export interface RoutedPath {
  method: HttpMethod;
  path: string;
}

interface CompiledPath<R extends RoutedPath> {
  pattern: string;
  segments: string[];
  /** Fewer parameters wins: `/users/avatar` is tried before `/users/:id`. */
  parameterCount: number;
  routes: Map<HttpMethod, R>;
}

export type RouteMatch<R extends RoutedPath> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: HttpMethod[] }
  | { kind: 'none' };

/** Finds the route of a method and path; a known path with another method is a 405, not a 404. */
export class RouteMatcher<R extends RoutedPath> {
  private readonly paths: CompiledPath<R>[] = [];

  constructor(routes: R[]) {
    for (const route of routes) {
      let compiled = this.paths.find((path) => path.pattern === route.path);
      if (!compiled) {
        const segments = route.path.split('/').filter(Boolean);
        compiled = { pattern: route.path, segments, parameterCount: segments.filter(isParameter).length, routes: new Map() };
        this.paths.push(compiled);
      }
      if (compiled.routes.has(route.method)) throw new Error(`two REST routes for ${route.method} ${route.path}`);
      compiled.routes.set(route.method, route);
    }
    this.paths.sort((a, b) => a.parameterCount - b.parameterCount);
  }

  match(method: string, path: string): RouteMatch<R> {
    const segments = path.split('/').filter(Boolean);
    for (const compiled of this.paths) {
      const params = matchSegments(compiled.segments, segments);
      if (!params) continue;
      const route = compiled.routes.get(method as HttpMethod);
      return route ? { kind: 'found', route, params } : { kind: 'wrong-method', allowed: [...compiled.routes.keys()] };
    }
    return { kind: 'none' };
  }
}

const isParameter = (segment: string) => segment.startsWith(':');

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index += 1) {
    if (isParameter(pattern[index])) {
      params[pattern[index].slice(1)] = safeDecode(actual[index]);
    } else if (pattern[index] !== actual[index]) {
      return undefined;
    }
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
