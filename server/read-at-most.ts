/**
 * Reads a body as UTF-8 text, throwing `tooLarge(declaredBytes)` as soon as its Content-Length
 * declares more than `maxBytes`, or `tooLarge()` once it delivers more: what another party sends
 * never grows mesh's memory past that. Leaving the loop early cancels the stream.
 */
export async function readTextAtMost(
  body: AsyncIterable<Uint8Array>,
  declaredBytes: number,
  maxBytes: number,
  tooLarge: (declaredBytes?: number) => Error,
): Promise<string> {
  if (declaredBytes > maxBytes) throw tooLarge(declaredBytes);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
