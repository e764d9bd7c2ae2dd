import type { IncomingHttpHeaders } from 'node:http';
import type { createCaller } from '../routers/_app.js';

type Caller = ReturnType<typeof createCaller>;

export interface RestRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface RestRoute {
  method: 'GET' | 'POST';
  path: string;
  call(api: Caller, request: RestRequest): Promise<unknown>;
}

// The REST body reaches the procedure as it came: the procedure's own zod schema validates it.
const unchecked = (value: unknown) => value as never;
const queryValue = (query: URLSearchParams, name: string) => query.get(name) || undefined;
// Query strings carry text; the procedures validate numbers as numbers.
const queryNumber = (query: URLSearchParams, name: string) => {
  const value = query.get(name);
  return value === null || value === '' ? undefined : Number(value);
};
const queryList = (query: URLSearchParams, name: string) =>
  query
    .get(name)
    ?.split(',')
    .filter((item) => item !== '') || undefined;
const wantsJson = (headers: IncomingHttpHeaders) => (headers.accept ?? '').includes('application/json');

/** The documented HTTP paths of the seed design, each one a call to a tRPC procedure. */
export const restRoutes: readonly RestRoute[] = [
  { method: 'POST', path: '/register', call: (api, { body }) => api.node.register(unchecked(body)) },
  {
    method: 'GET',
    path: '/nodes',
    call: (api, { query }) =>
      api.node.list(unchecked({ status: queryValue(query, 'status'), service: queryValue(query, 'service') })),
  },
  { method: 'GET', path: '/nodes/:id', call: (api, { params }) => api.node.get(unchecked({ nodeId: params.id })) },
  { method: 'GET', path: '/topology', call: (api) => api.node.topology() },
  {
    method: 'POST',
    path: '/approve/:nodeId',
    call: (api, { params, body }) => api.sovereign.approve(unchecked({ ...body, nodeId: params.nodeId })),
  },
  {
    method: 'POST',
    path: '/deny/:nodeId',
    call: (api, { params, body }) => api.sovereign.deny(unchecked({ ...body, nodeId: params.nodeId })),
  },
  {
    method: 'POST',
    path: '/remove/:nodeId',
    call: (api, { params, body }) => api.sovereign.remove(unchecked({ ...body, nodeId: params.nodeId })),
  },
  { method: 'POST', path: '/heartbeat', call: (api, { body }) => api.health.heartbeat(unchecked(body)) },
  { method: 'POST', path: '/sovereign/add', call: (api, { body }) => api.sovereign.add(unchecked(body)) },
  { method: 'POST', path: '/sovereign/remove', call: (api, { body }) => api.sovereign.removeKey(unchecked(body)) },
  { method: 'GET', path: '/sovereign', call: (api) => api.sovereign.list() },
  { method: 'GET', path: '/health', call: (api) => api.info() },
  {
    method: 'GET',
    path: '/events',
    // JSON pages through the log (the audit trail); anything else gets the live SSE stream.
    call: (api, { query, headers }) => {
      const filter = { types: queryList(query, 'types'), nodeId: queryValue(query, 'nodeId') };
      if (wantsJson(headers)) {
        return api.events.list(
          unchecked({ ...filter, sinceRevision: queryNumber(query, 'since'), limit: queryNumber(query, 'limit') }),
        );
      }
      const lastEventId = headers['last-event-id'];
      return api.events.watch(
        unchecked({ ...filter, sinceRevision: queryNumber(query, 'since'), lastEventId: lastEventId || undefined }),
      );
    },
  },
];
