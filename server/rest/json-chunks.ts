// How many array elements are serialised at once: big enough to keep JSON.stringify fast, small
// enough that no chunk is large.
const GROUP = 500;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
  );
}

/**
 * JSON.stringify(value), as a series of strings of bounded size: long arrays (the nodes of a
 * discovery answer, and those in a topology's objects) are written a group of elements at a time,
 * so a 50 MB answer never exists as one string. The concatenation equals JSON.stringify(value).
 */
export function* jsonChunks(value: unknown, depth = 0): Generator<string> {
  if (Array.isArray(value) && value.length > GROUP) {
    for (let start = 0; start < value.length; start += GROUP) {
      const group = JSON.stringify(value.slice(start, start + GROUP));
      yield `${start === 0 ? '[' : ','}${group.slice(1, -1)}`;
    }
    yield ']';
    return;
  }
  if (isPlainObject(value) && depth < 2 && !('toJSON' in value)) {
    let first = true;
    yield '{';
    for (const [key, field] of Object.entries(value)) {
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      yield `${first ? '' : ','}${JSON.stringify(key)}:`;
      yield* jsonChunks(field, depth + 1);
      first = false;
    }
    yield '}';
    return;
  }
  yield JSON.stringify(value) ?? 'null';
}
