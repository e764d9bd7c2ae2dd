import { describe, expect, it } from 'vitest';
import { readSseFrames } from './sse.js';

function chunks(...parts: string[]): AsyncIterable<Uint8Array> {
  return (async function* () {
    await Promise.resolve();
    for (const part of parts) yield new TextEncoder().encode(part);
  })();
}

async function frames(...parts: string[]) {
  const out = [];
  for await (const frame of readSseFrames(chunks(...parts))) out.push(frame);
  return out;
}

describe('readSseFrames', () => {
  it('splits frames across chunk boundaries, skips comments and joins data lines', async () => {
    expect(
      await frames(
        'retry: 2000\n: hello\n\nid: 1\nevent: node.reg',
        'istered\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\ndata: line one\ndata: line two\n\n',
      ),
    ).toEqual([
      { id: '1', event: 'node.registered', data: '{"a":1}' },
      { id: '2', data: 'line one\nline two' },
    ]);
  });

  it('accepts CRLF line endings and a field without a space after the colon', async () => {
    expect(await frames('id:7\r\nevent:reset\r\ndata:{}\r\n\r\n')).toEqual([{ id: '7', event: 'reset', data: '{}' }]);
  });
});
