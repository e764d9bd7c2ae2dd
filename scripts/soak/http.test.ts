import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loopbackPool, post } from './http.js';

describe('loopbackPool', () => {
  it('leaves from the loopback address it is given, as the server sees it', async () => {
    const server = createServer((req, res) => res.end(req.socket.remoteAddress));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const address of ['127.0.0.2', '127.1.0.7']) {
        const pool = loopbackPool(origin, address, 1);
        const answer = await post(pool, '/', {}, new AbortController().signal);
        await pool.close();
        expect(answer.body).toBe(address);
      }
    } finally {
      server.close();
    }
  });
});
