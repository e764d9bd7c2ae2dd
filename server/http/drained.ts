import type { ServerResponse } from 'node:http';

/**
 * Resolves once the response can take more data, or once it is closed: a writer's backpressure.
 * A response that is closed already resolves at once: it will never emit either event again.
 */
export function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
