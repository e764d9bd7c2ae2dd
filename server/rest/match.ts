import type { RestRoute } from './routes.js';

export type RouteMatch =
  | { kind: 'found'; route: RestRoute; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[]; path: string }
  | { kind: 'none' };

interface CompiledRoute {
  route: RestRoute;
  parts: string[];
}

function matchParts(expected: readonly string[], actual: readonly string[]): Record<string, string> | null {
  if (expected.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < expected.length; index++) {
    const part = expected[index] as string;
    const value = actual[index] as string;
    if (part.startsWith(':')) {
      if (value === '') return null;
      params[part.slice(1)] = decodeURIComponent(value);
    } else if (part !== value) {
      return null;
    }
  }
  return params;
}

/**
 * A matcher over a table of routes, split once. A known path asked with another method says which
 * methods it has; a malformed %-escape in a parameter throws URIError.
 */
export function createRouteMatcher(routes: readonly RestRoute[]): (method: string, pathname: string) => RouteMatch {
  const compiled: CompiledRoute[] = routes.map((route) => ({ route, parts: route.path.split('/') }));
  return (method, pathname) => {
    const actual = pathname.replace(/\/+$/, '').split('/');
    const allowed: string[] = [];
    let path = '';
    for (const { route, parts } of compiled) {
      const params = matchParts(parts, actual);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { kind: 'found', route, params };
      allowed.push(route.method);
      path = route.path;
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed, path } : { kind: 'none' };
  };
}
