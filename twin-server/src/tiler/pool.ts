/**
 * A small pool of worker threads that run tiler leaf jobs (leaf.ts) while the main thread keeps
 * reading the database: tessellation, GLB encoding, hashing and writing use the other cores.
 * One pool per process, created on first use; idle workers exit after a while and never keep the
 * process alive. Workers load TypeScript through tsx, however the process was started.
 */
import { Worker } from 'node:worker_threads';
import type { LeafJob, LeafResult } from './leaf.ts';

const IDLE_MS = 30_000;

interface Slot {
  worker: Worker;
  busy: { resolve: (r: LeafResult) => void; reject: (e: Error) => void } | null;
}

/** Runs leaf jobs on up to `size` worker threads, queueing the rest. */
export class LeafPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Array<{ job: LeafJob; transfer: ArrayBuffer[]; resolve: (r: LeafResult) => void; reject: (e: Error) => void }> = [];
  private idle: NodeJS.Timeout | undefined;

  constructor(readonly size: number) {}

  /** Runs one job on a worker (moving `transfer`, buffers only the job uses, instead of copying them); rejects with the worker's error. */
  run(job: LeafJob, transfer: ArrayBuffer[] = []): Promise<LeafResult> {
    clearTimeout(this.idle);
    return new Promise((resolve, reject) => {
      this.queue.push({ job, transfer, resolve, reject });
      this.pump();
    });
  }

  private spawn(): Slot {
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./worker.ts', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`,
      { eval: true },
    );
    worker.unref();
    const slot: Slot = { worker, busy: null };
    worker.on('message', (m: { result?: LeafResult; error?: string }) => {
      const b = slot.busy;
      slot.busy = null;
      worker.unref();
      if (m.error !== undefined) b?.reject(new Error(`tiler worker: ${m.error}`));
      else b?.resolve(m.result!);
      this.pump();
    });
    const fail = (err: Error) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      slot.busy?.reject(err);
      slot.busy = null;
      this.pump();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) fail(new Error(`tiler worker exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.busy) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (!slot) return;
      const next = this.queue.shift()!;
      slot.busy = { resolve: next.resolve, reject: next.reject };
      slot.worker.ref(); // a running job keeps the process alive; an idle worker does not
      slot.worker.postMessage(next.job, next.transfer);
    }
    if (this.slots.every((s) => !s.busy)) {
      clearTimeout(this.idle);
      this.idle = setTimeout(() => void this.close(), IDLE_MS);
      this.idle.unref();
    }
  }

  /** Stops every worker (jobs still queued or running are rejected). */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const slots = this.slots.splice(0);
    for (const q of this.queue.splice(0)) q.reject(new Error('tiler pool closed'));
    for (const s of slots) s.busy?.reject(new Error('tiler pool closed'));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

const pools = new Map<number, LeafPool>();

/** The process-wide pool of `size` workers. */
export function leafPool(size: number): LeafPool {
  let p = pools.get(size);
  if (!p) {
    p = new LeafPool(size);
    pools.set(size, p);
  }
  return p;
}
