import type { createCaller } from '../routers/_app.js';

type Caller = ReturnType<typeof createCaller>;

export interface RestRequest {
  params: Record<string, string>;
  query: URLSearchParams;
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
];
