/** Where mesh serves tRPC: the server mounts it here and the client calls it here; every other path is REST. */
export const TRPC_BASE_PATH = '/trpc';
