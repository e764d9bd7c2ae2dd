import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type OracleAnswer = (request: IncomingMessage, response: ServerResponse, body: string) => void;

export interface Oracle {
  url: string;
  /** Each request body the oracle was sent, parsed, in order. */
  questions: Array<Record<string, any>>;
  /** How the oracle answers the next question; a test may replace it at any time. */
  answer: OracleAnswer;
}

/** An answer of `value` as JSON with `status`. */
export const jsonAnswer =
  (value: unknown, status = 200): OracleAnswer =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(value));
  };

/**
 * A real admission oracle for the http policy: an HTTP server on port 0 that keeps every question
 * and answers with `answer` (`{}` unless given), closed through `defer`.
 */
export async function startOracle(
  defer: (cleanup: () => unknown) => void,
  answer: OracleAnswer = (_request, response) => response.end('{}'),
): Promise<Oracle> {
  const oracle: Oracle = { url: '', questions: [], answer };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      oracle.questions.push(JSON.parse(body) as Record<string, any>);
      oracle.answer(request, response, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  oracle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admit`;
  return oracle;
}
