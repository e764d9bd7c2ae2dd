import { watchMessageSchema, type EventType, type WatchMessage } from '../shared/events.js';
import { backoffDelay } from './backoff.js';
import { MeshClientError } from './errors.js';
import { sleep } from './sleep.js';
import { readSseFrames } from './sse.js';

export interface WatchOptions {
  /** Deliver every event after this revision (e.g. a list's `revision`); without it, from now on. */
  sinceRevision?: number;
  types?: readonly EventType[];
  nodeId?: string;
  /** Stops the watch: the iteration ends. */
  signal?: AbortSignal;
  /** The wait before reconnecting after the n-th failure in a row. Default 250 ms doubling to 10 s, with jitter. */
  retryDelayMs?: (failures: number) => number;
  /** Told of each failure before a reconnect (mesh unreachable, stream cut), for logging. */
  onRetry?: (error: Error, failures: number) => void;
  /** Told each time a stream is open again (mesh answered), before any of its messages. */
  onConnect?: () => void;
}

/** 250 ms doubling to 10 s, with jitter: also the informer's, which lists and watches with one backoff. */
export const defaultWatchRetryDelay = (failures: number) => backoffDelay(failures, 10_000);

function streamUrl(base: string, since: number | undefined, options: WatchOptions): string {
  const query = new URLSearchParams();
  if (since !== undefined) query.set('since', String(since));
  if (options.types?.length) query.set('types', options.types.join(','));
  if (options.nodeId) query.set('nodeId', options.nodeId);
  const search = query.toString();
  return `${base.replace(/\/+$/, '')}/events${search ? `?${search}` : ''}`;
}

/** A refusal that reconnecting cannot cure (a bad filter): the watch ends with it. */
async function refusal(response: Response): Promise<MeshClientError> {
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  const code = body?.error?.code === 'INVALID_INPUT' ? 'INVALID_INPUT' : 'UNREACHABLE';
  return new MeshClientError(body?.error?.message ?? `mesh answered ${response.status}`, { code, httpStatus: response.status });
}

/**
 * Mesh's events as an async iterator that reconnects and resumes by itself: after a cut stream,
 * a restart or a slow-consumer disconnect it goes on from the last revision it delivered, moving
 * to the next URL when one cannot be reached, so every event arrives once and in order. A `reset`
 * means the revision asked for was pruned: list again, then keep consuming.
 */
export async function* watchMesh(urls: readonly string[], options: WatchOptions = {}): AsyncGenerator<WatchMessage> {
  let since = options.sinceRevision;
  let failures = 0;
  let current = 0;
  const retryDelay = options.retryDelayMs ?? defaultWatchRetryDelay;
  while (!options.signal?.aborted) {
    const base = urls[current % urls.length] as string;
    try {
      const response = await fetch(streamUrl(base, since, options), {
        headers: { accept: 'text/event-stream' },
        signal: options.signal,
      });
      if (response.status === 400) throw await refusal(response);
      if (!response.ok || !response.body) throw new Error(`${base} answered ${response.status}`);
      options.onConnect?.();
      for await (const frame of readSseFrames(response.body as AsyncIterable<Uint8Array>)) {
        if (frame.event === 'error') throw new Error(`${base} ended the stream: ${frame.data}`);
        // What comes over the wire is checked, not trusted: a frame that is not mesh's ends this stream.
        const data: unknown = JSON.parse(frame.data);
        const message = watchMessageSchema.parse(
          frame.event === 'reset' && typeof data === 'object' ? { kind: 'reset', ...data } : { kind: 'event', event: data },
        );
        since = message.kind === 'reset' ? message.revision : message.event.revision;
        failures = 0;
        yield message;
      }
      throw new Error(`${base} closed the stream`);
    } catch (error) {
      if (options.signal?.aborted) return;
      if (error instanceof MeshClientError && error.code === 'INVALID_INPUT') throw error;
      failures += 1;
      current += 1;
      options.onRetry?.(error instanceof Error ? error : new Error(String(error)), failures);
      await sleep(retryDelay(failures), options.signal);
    }
  }
}
