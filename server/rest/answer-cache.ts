import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonChunks } from './json-chunks.js';
import { drained } from '../http/drained.js';

// Answers larger than this are written out afresh each time, in chunks, rather than kept as bytes:
// the 50 MB list of 100,000 nodes would otherwise live in memory for every URL that asked for it.
const MAX_KEPT_BYTES = 8 * 1024 * 1024;
const MAX_KEPT_URLS = 64;
// Each answer too large to keep as bytes holds its body (a copy of the registry's list) instead.
const MAX_KEPT_LARGE = 2;
const WRITE_CHUNK = 64 * 1024;
// Entity tags of registry answers name this process and the registry's answers version: the same
// URL at the same version is the same bytes, and another process (or a restart) never matches.
const PROCESS_TAG = randomBytes(6).toString('base64url');

export interface Answer {
  tag: string;
  revision: number | undefined;
  body: unknown;
  /** The bytes, once known and small enough to keep. */
  payload: Buffer | undefined;
  tooLargeToKeep: boolean;
}

/** The revision a discovery answer reflects, if it says. */
function revisionOf(body: unknown): number | undefined {
  const revision = typeof body === 'object' && body !== null ? (body as { revision?: unknown }).revision : undefined;
  return typeof revision === 'number' ? revision : undefined;
}

const revisionHeader = (revision: number | undefined): Record<string, string> =>
  revision === undefined ? {} : { 'x-mesh-revision': String(revision) };

const hashTag = (payload: Buffer) => `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;

function matchesEntityTag(ifNoneMatch: string | undefined, tag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === tag;
  });
}

/**
 * GET answers: with an ETag, 304 for a matching If-None-Match, and the revision in X-Mesh-Revision,
 * so a poller pays for a change only when there is one. Answers that change only when the
 * registry's answers version does (lists, topology) are kept by URL while that version stays the
 * same, so a repeated GET /nodes (or its 304) runs no procedure, validates nothing and serialises
 * nothing. Every other answer is tagged by a hash of its bytes.
 */
export class AnswerCache {
  readonly #kept = new Map<string, { version: number; answer: Answer }>();
  // URLs that differ only by query noise (?_=1, ?_=2 ...) get equal answers: they share one
  // Buffer instead of each holding its own copy.
  readonly #payloads = new Map<string, Buffer>();
  #payloadsVersion = 0;

  constructor(private readonly maxKeptBytes = MAX_KEPT_BYTES) {}

  kept(url: string, version: number): Answer | undefined {
    const entry = this.#kept.get(url);
    return entry?.version === version ? entry.answer : undefined;
  }

  /** `keep`: the answer is the registry's at `version`, valid for as long as that version lasts. */
  prepare(url: string, version: number, body: unknown, keep = false): Answer {
    const revision = revisionOf(body);
    if (!keep) {
      const payload = Buffer.from(JSON.stringify(body));
      return { tag: hashTag(payload), revision, body, payload, tooLargeToKeep: false };
    }
    if (version !== this.#payloadsVersion) {
      this.#payloads.clear();
      this.#payloadsVersion = version;
    }
    const answer: Answer = { tag: `"${PROCESS_TAG}.${version}"`, revision, body, payload: undefined, tooLargeToKeep: false };
    if (this.#kept.size >= MAX_KEPT_URLS && !this.#kept.has(url)) this.#forgetAll();
    this.#kept.set(url, { version, answer });
    return answer;
  }

  #forgetAll(): void {
    this.#kept.clear();
    this.#payloads.clear();
  }

  /** The one Buffer kept for these bytes. */
  #shared(payload: Buffer): Buffer {
    const key = hashTag(payload);
    const known = this.#payloads.get(key);
    if (known?.equals(payload)) return known;
    if (this.#payloads.size >= MAX_KEPT_URLS) this.#payloads.clear();
    this.#payloads.set(key, payload);
    return payload;
  }

  /** Answers too large to keep as bytes keep their body; at most a few of them, each a full copy. */
  #dropLargeBodies(): void {
    const large = [...this.#kept].filter(([, entry]) => entry.answer.tooLargeToKeep);
    for (const [url] of large.slice(0, Math.max(0, large.length - MAX_KEPT_LARGE))) this.#kept.delete(url);
  }

  async send(req: IncomingMessage, res: ServerResponse, answer: Answer): Promise<void> {
    const headers = { etag: answer.tag, 'cache-control': 'no-cache', ...revisionHeader(answer.revision) };
    if (matchesEntityTag(req.headers['if-none-match'], answer.tag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const type = { 'content-type': 'application/json; charset=utf-8' };
    if (answer.payload) {
      res.writeHead(200, { ...type, 'content-length': answer.payload.length, ...headers });
      res.end(req.method === 'HEAD' ? undefined : answer.payload);
      return;
    }
    res.writeHead(200, { ...type, ...headers });
    if (req.method === 'HEAD') return void res.end();
    await this.#stream(res, answer);
  }

  /** Writes the answer in chunks, keeping its bytes for next time when they turn out small enough. */
  async #stream(res: ServerResponse, answer: Answer): Promise<void> {
    const kept: Buffer[] = [];
    let size = 0;
    let pending = '';
    const flush = async () => {
      const chunk = Buffer.from(pending);
      pending = '';
      size += chunk.length;
      if (!answer.tooLargeToKeep && size <= this.maxKeptBytes) kept.push(chunk);
      if (!res.write(chunk)) await drained(res);
    };
    for (const text of jsonChunks(answer.body)) {
      pending += text;
      if (pending.length >= WRITE_CHUNK) await flush();
      if (res.destroyed) return;
    }
    if (pending) await flush();
    res.end();
    if (size > this.maxKeptBytes) {
      answer.tooLargeToKeep = true;
      this.#dropLargeBodies();
    } else if (!answer.tooLargeToKeep) answer.payload = this.#shared(Buffer.concat(kept));
  }
}
