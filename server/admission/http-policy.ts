import { z } from 'zod';
import type { AdmissionVerdict } from '../../shared/events.js';
import type { IdentityEvidence } from '../../shared/identity.js';
import { readTextAtMost } from '../read-at-most.js';

/** What mesh posts to MESH_ADMISSION_URL: the registration as signed, without any secret (README, Admission policies). */
export interface AdmissionQuestion {
  network: string;
  nodeId: string;
  publicKey: string;
  tailscaleHostname: string;
  tailscaleIP: string | null;
  services: Array<{ type: string; port: number; publicKey: string | null }>;
  region: string | null;
  zone: string | null;
  /** Whether the registration carries an enrollment key (never the key itself). */
  enrollmentKey: boolean;
  /** The TCP peer address the registration came from. */
  peerAddress: string | null;
  /** The Tailscale identity evidence MESH_IDENTITY took of this registration (as GET /nodes/:id shows it); null when off. */
  identity: IdentityEvidence | null;
  /** The registration's signed timestamp. */
  timestamp: number;
}

const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_REASON_LENGTH = 500;

const answerSchema = z.object({
  allow: z.boolean(),
  approve: z.boolean().optional(),
  reason: z.string(),
});

/** An answer that is no answer: mesh refuses the registration (fail-closed) and says why. */
export class AdmissionOracleFailure extends Error {
  override name = 'AdmissionOracleFailure';
}

// The oracle's reason goes into events, logs and the node's refusal: one line of plain text, bounded.
function cleanReason(reason: string): string {
  const line = reason.replace(/\p{Cc}+/gu, ' ').trim();
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH)}…` : line;
}

// fetch's body as the chunks readTextAtMost takes; leaving the loop early cancels the stream.
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      yield chunk.value;
    }
  } finally {
    await reader.cancel();
  }
}

function readAnswer(response: Response): Promise<string> {
  if (!response.body) return Promise.resolve('');
  return readTextAtMost(
    chunksOf(response.body),
    Number(response.headers.get('content-length') ?? '0'),
    MAX_ANSWER_BYTES,
    (declared) =>
      new AdmissionOracleFailure(
        declared === undefined
          ? `answered more than ${MAX_ANSWER_BYTES} bytes`
          : `answered ${declared} bytes, more than ${MAX_ANSWER_BYTES}`,
      ),
  );
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof AdmissionOracleFailure) return error.message;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `did not answer within ${timeoutMs} ms (MESH_ADMISSION_TIMEOUT_MS)`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `could not be asked (${error instanceof Error ? error.message : String(error)}${cause})`;
}

/**
 * Posts the registration to the oracle and reads its verdict: `{ allow: false }` refuses,
 * `{ allow: true, approve: true }` approves at once, `{ allow: true }` lets the node wait for a
 * sovereign. Anything else (no answer in time, a refused connection, a redirect, a non-2xx status, a
 * body that is not that JSON) is a failure, and a failure refuses: never admit on an error.
 */
export async function askAdmissionOracle(
  url: string,
  timeoutMs: number,
  question: AdmissionQuestion,
): Promise<{ verdict: AdmissionVerdict; failed: boolean }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(question),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await readAnswer(response);
    if (response.status < 200 || response.status > 299) {
      throw new AdmissionOracleFailure(`answered HTTP ${response.status}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new AdmissionOracleFailure('answered something that is not JSON');
    }
    const answer = answerSchema.safeParse(json);
    if (!answer.success) {
      throw new AdmissionOracleFailure('answered JSON that is not { allow: boolean, approve?: boolean, reason: string }');
    }
    const reason = cleanReason(answer.data.reason) || '(no reason given)';
    const verdict = !answer.data.allow ? 'refuse' : answer.data.approve ? 'approve' : 'allow';
    return { verdict: { policy: 'http', verdict, reason }, failed: false };
  } catch (error) {
    return {
      verdict: { policy: 'http', verdict: 'refuse', reason: `the admission oracle ${describeFailure(error, timeoutMs)}` },
      failed: true,
    };
  }
}
