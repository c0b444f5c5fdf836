/**
 * Entry of a tiler worker thread (see pool.ts): runs the leaf jobs it is sent, one at a time,
 * and answers each with its result or error message.
 */
import { parentPort } from 'node:worker_threads';
import { runLeafJob, type LeafJob } from './leaf.ts';

parentPort!.on('message', (job: LeafJob) => {
  try {
    parentPort!.postMessage({ result: runLeafJob(job) });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
