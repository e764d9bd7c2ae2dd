/** The string `code` a Node system error carries (ENOENT, ECONNREFUSED, ERR_…), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}
