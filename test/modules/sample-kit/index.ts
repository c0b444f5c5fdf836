/**
 * A minimal module that lives only under test/: its own migrations, permissions with their
 * roles, routes, a seed hook, a scheduled job and a WebSocket message. Registered in one line by
 * the tests that use it (`modules: [...allModules(), sampleKitModule()]`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { TwinModule } from '../../../twin-server/src/modules/types.ts';
import { recordRoutes } from '../../../twin-server/src/kit/records/routes.ts';
import { sampleTaskEntity } from './tasks.ts';

/** Knobs for the job tests. */
export interface SampleKitOptions {
  /** Period of the `tick` job (default 60 s: idle in most tests). */
  readonly tickEveryMs?: number;
  /** How long one tick takes. */
  readonly tickTakesMs?: number;
  /** Make every tick throw (the runner must log it and go on). */
  readonly tickFails?: boolean;
}

/** What the `tick` job saw, for tests. */
export interface TickStats {
  runs: number;
  concurrent: number;
  maxConcurrent: number;
}

const noteBody = z.object({ idx: z.number().int().min(1), text: z.string().trim().min(1).max(200) }).strict();
const note = z.object({ id: z.number().int(), idx: z.number().int(), text: z.string(), author: z.string() });
const echo = z.object({ type: z.literal('sample-kit.echo'), text: z.string().min(1).max(100) }).strict();

/** Creates the sample kit; `ticks` counts its job's runs. */
export function sampleKitModule(opts: SampleKitOptions = {}): TwinModule & { readonly ticks: TickStats } {
  const ticks: TickStats = { runs: 0, concurrent: 0, maxConcurrent: 0 };
  return {
    name: 'sample-kit',
    ticks,
    migrations: path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations'),
    permissions: [
      { permission: 'sample-kit:read', summary: 'Read sample notes', roles: ['maintenance', 'property_manager', 'leadership_viewer'] },
      { permission: 'sample-kit:write', summary: 'Write sample notes', roles: ['property_manager'] },
    ],
    routes: (sc) => [
      ...recordRoutes(sc, sampleTaskEntity()),
      {
        method: 'GET', path: '/api/sample-kit/notes', permission: 'sample-kit:read', summary: 'Sample notes, newest first',
        response: z.array(note),
        async handler(ctx) {
          const r = await sc.db.query('SELECT id, idx, text, author FROM sample_kit_note ORDER BY id DESC LIMIT 100');
          ctx.body = r.rows;
        },
      },
      {
        method: 'POST', path: '/api/sample-kit/notes', permission: 'sample-kit:write', summary: 'Add a sample note to a twin object',
        body: noteBody, response: note, errors: [404, 409],
        async handler(ctx) {
          const b = ctx.request.body as z.infer<typeof noteBody>;
          const o = await sc.db.query('SELECT 1 FROM twin_object WHERE idx = $1', [b.idx]);
          if (o.rows.length === 0) ctx.throw(404, `no twin object ${b.idx}`);
          const r = await sc.db.query(
            'INSERT INTO sample_kit_note (idx, text, author) VALUES ($1, $2, $3) ON CONFLICT (idx, text) DO NOTHING RETURNING id, idx, text, author',
            [b.idx, b.text, ctx.state.principal?.name ?? 'unknown']);
          if (r.rows.length === 0) ctx.throw(409, 'this object already has that note');
          ctx.status = 201;
          ctx.body = r.rows[0];
        },
      },
    ],
    async seed(sc, park) {
      await sc.db.query(
        "INSERT INTO sample_kit_note (idx, text, author) VALUES ($1, 'welcome to the park', 'seed') ON CONFLICT (idx, text) DO NOTHING",
        [park.parkIdx]);
    },
    jobs: () => [
      {
        name: 'tick',
        everyMs: opts.tickEveryMs ?? 60_000,
        async run() {
          ticks.concurrent++;
          ticks.maxConcurrent = Math.max(ticks.maxConcurrent, ticks.concurrent);
          try {
            await new Promise((r) => setTimeout(r, opts.tickTakesMs ?? 0));
            if (opts.tickFails) throw new Error('tick failed on purpose');
          } finally {
            ticks.concurrent--;
            ticks.runs++;
          }
        },
      },
    ],
    wsHandlers: () => [
      {
        type: 'sample-kit.echo', permission: 'sample-kit:read', schema: echo,
        handle(msg, principal, reply) {
          reply({ type: 'sample-kit.echo', text: (msg as z.infer<typeof echo>).text, by: principal.name });
        },
      },
      {
        // A handler that fails: the stream must answer an error frame and keep the socket.
        type: 'sample-kit.boom', permission: 'sample-kit:read', schema: z.object({ type: z.literal('sample-kit.boom') }).strict(),
        async handle() {
          throw new Error('boom on purpose');
        },
      },
    ],
  };
}
