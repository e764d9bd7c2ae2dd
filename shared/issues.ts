/** The parts of a schema issue mesh reports: zod's own issues and tRPC's wrapped ones both fit. */
export interface SchemaIssue {
  readonly path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined;
  readonly message: string;
}

/** `field.sub: message`, with zod's "expected X, received undefined" said as "is required". */
export function describeIssue(issue: SchemaIssue, separator = ': '): string {
  const path = (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.');
  const message = / received undefined$/.test(issue.message) ? 'is required' : issue.message;
  return path === '' ? message : `${path}${separator}${message}`;
}

/** Every issue of a refusal, in one line. */
export function describeIssues(issues: readonly SchemaIssue[], separator = ': '): string {
  return issues.map((issue) => describeIssue(issue, separator)).join('; ');
}
