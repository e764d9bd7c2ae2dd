import type { IncomingHttpHeaders } from 'node:http';
import type { inferRouterInputs } from '@trpc/server';
import type { AppRouter, createCaller } from '../routers/_app.js';
import { MeshError } from '../errors.js';

type Caller = ReturnType<typeof createCaller>;
type Inputs = inferRouterInputs<AppRouter>;

export interface RestRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface RestRoute {
  method: 'GET' | 'POST';
  path: string;
  /**
   * Its answer changes only when the registry's answers version does: kept as bytes by URL until
   * then. A function says it per request.
   */
  keptByRegistryVersion?: true | ((query: URLSearchParams) => boolean);
  call(api: Caller, request: RestRequest): Promise<unknown>;
}

/**
 * A REST body or query as it came, shaped like the procedure's input (its field names are checked
 * here) but with values not yet validated: the procedure's own zod schema validates them.
 */
type Unvalidated<T> = { [K in keyof T]?: unknown };
const unvalidated = <T>(value: Unvalidated<NonNullable<T>>): T => value as T;
const queryValue = (query: URLSearchParams, name: string) => query.get(name) || undefined;
// Query strings carry text; the procedures validate numbers as numbers. Text that is no number
// is refused here, where the parameter still has the name the caller used.
const queryNumber = (query: URLSearchParams, name: string) => {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) {
    throw new MeshError(
      'INVALID_INPUT',
      `invalid input: query parameter ${name} takes a whole number (${QUERY_NUMBERS[name] ?? 'a count'}), not ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
};
const QUERY_NUMBERS: Record<string, string> = {
  since: 'a revision, e.g. the revision of GET /nodes',
  limit: 'a count: events, nodes a page, or changes',
  minReputation: '0 to 100',
};
const queryList = (query: URLSearchParams, name: string) =>
  query
    .get(name)
    ?.split(',')
    .filter((item) => item !== '') || undefined;
const wantsJson = (headers: IncomingHttpHeaders) => (headers.accept ?? '').includes('application/json');

/** The documented HTTP paths of the seed design, each one a call to a tRPC procedure. */
export const restRoutes: readonly RestRoute[] = [
  {
    method: 'POST',
    path: '/register',
    call: (api, { body }) => api.node.register(unvalidated<Inputs['node']['register']>(body)),
  },
  {
    method: 'GET',
    path: '/nodes',
    // Lists, first pages and deltas are asked again and again by URL; the later pages of a walk are
    // asked once each, and keeping them would push the lists out of the answer cache.
    keptByRegistryVersion: (query) => !query.has('after'),
    // ?since=R answers what changed since R (a delta), otherwise the list, whole or paged.
    call: (api, { query }) => {
      const filter = {
        status: queryValue(query, 'status'),
        service: queryValue(query, 'service'),
        region: queryValue(query, 'region'),
        limit: queryNumber(query, 'limit'),
      };
      if (query.has('since')) {
        for (const name of ['sort', 'minReputation', 'after'])
          if (query.has(name)) throw new MeshError('INVALID_INPUT', `invalid input: ${name} cannot be combined with since`);
        return api.node.changes(
          unvalidated<Inputs['node']['changes']>({ ...filter, sinceRevision: queryNumber(query, 'since') }),
        );
      }
      return api.node.list(
        unvalidated<Inputs['node']['list']>({
          ...filter,
          sort: queryValue(query, 'sort'),
          minReputation: queryNumber(query, 'minReputation'),
          after: queryValue(query, 'after'),
        }),
      );
    },
  },
  {
    method: 'GET',
    path: '/nodes/:id',
    call: (api, { params }) => api.node.get(unvalidated<Inputs['node']['get']>({ nodeId: params.id })),
  },
  {
    method: 'GET',
    path: '/nodes/:id/heartbeats',
    call: (api, { params, query }) =>
      api.node.heartbeats(unvalidated<Inputs['node']['heartbeats']>({ nodeId: params.id, limit: queryNumber(query, 'limit') })),
  },
  {
    method: 'GET',
    path: '/topology',
    keptByRegistryVersion: true,
    call: (api, { query }) => api.node.topology(unvalidated<Inputs['node']['topology']>({ nodes: queryValue(query, 'nodes') })),
  },
  {
    method: 'POST',
    path: '/approve/:nodeId',
    call: (api, { params, body }) =>
      api.sovereign.approve(unvalidated<Inputs['sovereign']['approve']>({ ...body, nodeId: params.nodeId })),
  },
  {
    method: 'POST',
    path: '/deny/:nodeId',
    call: (api, { params, body }) =>
      api.sovereign.deny(unvalidated<Inputs['sovereign']['deny']>({ ...body, nodeId: params.nodeId })),
  },
  {
    method: 'POST',
    path: '/region/:nodeId',
    call: (api, { params, body }) =>
      api.sovereign.setRegion(unvalidated<Inputs['sovereign']['setRegion']>({ ...body, nodeId: params.nodeId })),
  },
  {
    method: 'POST',
    path: '/remove/:nodeId',
    call: (api, { params, body }) =>
      api.sovereign.removeNode(unvalidated<Inputs['sovereign']['removeNode']>({ ...body, nodeId: params.nodeId })),
  },
  {
    method: 'POST',
    path: '/heartbeat',
    call: (api, { body }) => api.health.heartbeat(unvalidated<Inputs['health']['heartbeat']>(body)),
  },
  {
    method: 'POST',
    path: '/rotate-key',
    call: (api, { body }) => api.node.rotateKey(unvalidated<Inputs['node']['rotateKey']>(body)),
  },
  {
    method: 'POST',
    path: '/force-rotate-key/:nodeId',
    call: (api, { params, body }) =>
      api.sovereign.forceRotateKey(unvalidated<Inputs['sovereign']['forceRotateKey']>({ ...body, nodeId: params.nodeId })),
  },
  {
    method: 'POST',
    path: '/sovereign/add',
    call: (api, { body }) => api.sovereign.add(unvalidated<Inputs['sovereign']['add']>(body)),
  },
  {
    method: 'POST',
    path: '/sovereign/remove',
    call: (api, { body }) => api.sovereign.removeKey(unvalidated<Inputs['sovereign']['removeKey']>(body)),
  },
  { method: 'GET', path: '/sovereign', call: (api) => api.sovereign.list() },
  { method: 'GET', path: '/decisions', call: (api) => api.sovereign.decisions() },
  {
    method: 'POST',
    path: '/enrollment-keys',
    call: (api, { body }) => api.enrollment.create(unvalidated<Inputs['enrollment']['create']>(body)),
  },
  { method: 'GET', path: '/enrollment-keys', call: (api) => api.enrollment.list() },
  {
    method: 'POST',
    path: '/enrollment-keys/:id/revoke',
    call: (api, { params, body }) =>
      api.enrollment.revoke(unvalidated<Inputs['enrollment']['revoke']>({ ...body, keyId: params.id })),
  },
  { method: 'GET', path: '/health', call: (api) => api.info() },
  {
    method: 'GET',
    path: '/events',
    // JSON pages through the log (the audit trail); anything else gets the live SSE stream.
    call: (api, { query, headers }) => {
      const filter = { types: queryList(query, 'types'), nodeId: queryValue(query, 'nodeId') };
      if (wantsJson(headers)) {
        return api.events.list(
          unvalidated<Inputs['events']['list']>({
            ...filter,
            sinceRevision: queryNumber(query, 'since'),
            limit: queryNumber(query, 'limit'),
          }),
        );
      }
      const lastEventId = headers['last-event-id'];
      return api.events.watch(
        unvalidated<Inputs['events']['watch']>({
          ...filter,
          sinceRevision: queryNumber(query, 'since'),
          lastEventId: lastEventId || undefined,
        }),
      );
    },
  },
];
