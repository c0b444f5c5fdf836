/**
 * Issue 13 must-show 2, the workflow and the room panel section of the module that lives only
 * under test/ (test/modules/sample-kit): its records-kit workflow works in a running server (by
 * permission, audited, in the OpenAPI document) on both backends, and is gone with the module
 * switched off; its client side registers a nav entry, a room panel section and a room action
 * that the registry offers only while the server runs the module.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../twin-server/src/modules/health.ts';
import { startAuthServer, type AuthTestServer, type HttpClient } from '../twin-server/src/auth/testing.ts';
import { startTestServer } from '../twin-server/src/testing/server.ts';
import { insertFixturePark } from '../twin-server/src/tiler/fixture.ts';
import { registerModule, sectionsFor, viewsFor, actionsFor } from '../twin-client/src/modules/registry.ts';
import { sampleKitModule } from './modules/sample-kit/index.ts';
import { sampleKitClientModule } from './modules/sample-kit/client.ts';

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`sample kit workflow in a running server [${backend}]`, () => {
    let s: AuthTestServer;
    let pm: HttpClient;
    let mt: HttpClient;
    let room = 0;
    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, sampleKitModule()] });
      await insertFixturePark(s.server.sc.db, { grid: 1, floors: 1, roomsPerSide: 1, code: 'kit-wf' });
      room = (await s.server.sc.db.query<{ idx: number }>('SELECT idx FROM room ORDER BY idx LIMIT 1')).rows[0]!.idx;
      pm = (await s.userWith(['property_manager'])).client;
      mt = (await s.userWith(['maintenance'])).client;
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('creates a task on a room and moves it through its workflow by permission, each step audited', async () => {
      const c = await pm.req('POST', '/api/sample-kit/tasks', { objectIdx: room, data: { text: '检查水龙头' } });
      expect(c.status, c.text).toBe(201);
      const t = c.body as { id: number; version: number; state: string };
      expect(t.state).toBe('open');
      expect((await mt.req('POST', `/api/sample-kit/tasks/${t.id}/transitions/begin`, { version: 1 })).status).toBe(403); // read only
      expect((await pm.req('POST', `/api/sample-kit/tasks/${t.id}/transitions/finish`, { version: 1 })).status).toBe(409); // not from open
      expect((await pm.req('POST', `/api/sample-kit/tasks/${t.id}/transitions/begin`, { version: 1 })).body).toMatchObject({ state: 'doing', version: 2 });
      expect((await pm.req('POST', `/api/sample-kit/tasks/${t.id}/transitions/finish`, { version: 2 })).body).toMatchObject({ state: 'done', version: 3 });
      const list = (await mt.req('GET', `/api/sample-kit/tasks?objectIdx=${room}`)).body as { items: { id: number; state: string }[] };
      expect(list.items).toEqual([expect.objectContaining({ id: t.id, state: 'done' })]);
      const audit = await s.server.sc.db.query<{ action: string; outcome: string }>('SELECT action, outcome FROM audit_log WHERE object = $1 ORDER BY seq', [`sample_task:${t.id}`]);
      expect(audit.rows.map((r) => `${r.action}/${r.outcome}`)).toEqual([
        'sample_task.create/success', 'sample_task.transition.begin/denied', 'sample_task.transition.finish/failure',
        'sample_task.transition.begin/success', 'sample_task.transition.finish/success',
      ]);
      const doc = (await pm.req('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { 'x-permission': string }>> };
      expect(doc.paths['/api/sample-kit/tasks/{id}/transitions/{name}']?.post?.['x-permission']).toBe('sample-kit:read');
      expect(doc.paths['/api/sample-kit/tasks']?.post?.['x-permission']).toBe('sample-kit:write');
    });
  });
}

describe('sample kit switched off', () => {
  it('leaves no workflow route', async () => {
    const off = await startTestServer('pglite', { env: { TWIN_MODULES: 'none' }, modules: [healthModule, sampleKitModule()] });
    try {
      expect(off.routes.filter((r) => r.path.startsWith('/api/sample-kit'))).toEqual([]);
    } finally {
      await off.stop();
    }
  }, 120_000);
});

describe('sample kit client module', () => {
  registerModule(sampleKitClientModule); // the one registration line
  const can = (p: string) => ['sample-kit:read', 'sample-kit:write', 'twin:read'].includes(p);
  it('brings a nav entry, a room panel section and a room action while the server runs the module', () => {
    const on = { can, enabled: new Set(['sample-kit', 'twin']) };
    expect(viewsFor(on).map((v) => v.path)).toContain('/sample-kit');
    expect(sectionsFor('room', on).map((x) => x.id)).toContain('sample-kit.tasks');
    expect(sectionsFor('building', on).map((x) => x.id)).not.toContain('sample-kit.tasks');
    expect(actionsFor('room', on).map((a) => a.href?.({ idx: 7, kind: 'room', details: {} as never }))).toContain('/sample-kit?new=1&object=7');
    const readOnly = { can: (p: string) => p === 'sample-kit:read', enabled: on.enabled };
    expect(actionsFor('room', readOnly).map((a) => a.id)).not.toContain('sample-kit.new-task');
  });
  it('brings none of them when the server has it off', () => {
    const off = { can, enabled: new Set(['twin']) };
    expect(viewsFor(off).map((v) => v.path)).not.toContain('/sample-kit');
    expect(sectionsFor('room', off).map((x) => x.id)).not.toContain('sample-kit.tasks');
    expect(actionsFor('room', off).map((a) => a.id)).not.toContain('sample-kit.new-task');
  });
});
