import type { IncomingMessage } from 'node:http';
import { MeshError } from '../errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

/** Reads a body of at most MAX_BODY_BYTES as text. */
export async function readBodyText(req: IncomingMessage): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON object body of at most MAX_BODY_BYTES; an empty body is an empty object. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBodyText(req);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new MeshError('INVALID_INPUT', `body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MeshError('INVALID_INPUT', 'body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

function tooLarge(): MeshError {
  return new MeshError('PAYLOAD_TOO_LARGE', `body is larger than ${MAX_BODY_BYTES} bytes`);
}
