import { parentPort } from 'node:worker_threads';
import { SignatureVerifier } from './verify.js';
import type { VerifyBatch, VerifyResults } from './verify-pool.js';

// One verification thread: batches in, one result byte per signature out (1 = valid).
const verifier = new SignatureVerifier();
parentPort?.on('message', ({ id, items }: VerifyBatch) => {
  const results = new Uint8Array(items.length);
  items.forEach(([publicKey, message, signature], index) => {
    results[index] = verifier.verify(publicKey, message, signature) ? 1 : 0;
  });
  parentPort?.postMessage({ id, results } satisfies VerifyResults, [results.buffer]);
});
