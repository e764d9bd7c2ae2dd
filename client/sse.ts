export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads a text/event-stream body into frames, as the SSE specification delimits them: fields up to
 * a blank line, comment lines (keep-alives) ignored, several `data:` lines joined by newlines.
 */
export async function* readSseFrames(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (frame) yield frame;
    }
  }
}

function parseFrame(block: string): SseFrame | null {
  const data: string[] = [];
  const frame: Partial<SseFrame> = {};
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'id' || field === 'event') frame[field] = value;
  }
  return data.length === 0 ? null : { ...frame, data: data.join('\n') };
}
