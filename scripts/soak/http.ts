/** HTTP from a chosen loopback source address, and the tally of what came back. */
import { Pool } from 'undici';
import type { StatusCounts } from './jobs.js';

/** Keep-alive connections to mesh that all leave from `localAddress` (127.0.0.1, 127.0.0.2, ...). */
export function loopbackPool(origin: string, localAddress: string, connections: number, timeoutMs = 30_000): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    // The client's own option: undici passes it to every connect, over any `connect: { localAddress }`.
    localAddress,
    // A soak must notice a request mesh never answers, without waiting undici's default 5 minutes.
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

export interface Answer {
  status: number;
  body: string;
}

/** One POST of a JSON body; the answer is read whole (mesh's answers to these are small). */
export async function post(pool: Pool, path: string, body: unknown, signal: AbortSignal): Promise<Answer> {
  const answer = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  return { status: answer.statusCode, body: await answer.body.text() };
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
}

/** Answers by status and failures by error code, for one kind of client. */
export class Tally {
  readonly statuses: Record<string, number> = {};
  readonly failures: Record<string, number> = {};

  status(code: number): void {
    this.statuses[code] = (this.statuses[code] ?? 0) + 1;
  }

  /** `gaveUp`: the request was abandoned because the soak was over, whatever error that made. */
  failure(error: unknown, gaveUp = false): void {
    const code = gaveUp ? 'unanswered when the soak ended' : errorCode(error);
    this.failures[code] = (this.failures[code] ?? 0) + 1;
  }

  counts(): StatusCounts {
    return { statuses: { ...this.statuses }, failures: { ...this.failures } };
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
