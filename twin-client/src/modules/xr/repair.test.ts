import { describe, expect, it } from 'vitest';
import { Box3, Vector3 } from 'three';
import { buttonAt, buttonCentre, firstUndone, PANEL_M, RepairGuide, repairPanelPose, wrapText, type RepairOrder, type RepairStep } from './repair.ts';

const steps = (done: boolean[]): RepairStep[] => done.map((d, n) => ({ n, zh: `步骤${n}`, en: `Step ${n}`, done: d, byName: null }));
const order = (done: boolean[]): RepairOrder => ({ id: 7, code: 'WO-1', title: '风机异响', objectIdx: 42, objectName: 'AHU-1', state: 'in_progress',
  procedure: { title: { zh: '排查', en: 'Check' }, steps: steps(done) } });

describe('guided repair', () => {
  it('opens on the first step not done; a tick writes the absolute state and moves to the next open step', async () => {
    const calls: Array<[number, number, boolean]> = [];
    let stored = [true, false, false, true, false];
    const g = new RepairGuide({
      load: async () => order(stored),
      tick: async (id, n, done) => {
        calls.push([id, n, done]);
        stored = stored.map((d, i) => (i === n ? done : d));
        return steps(stored);
      },
    }, () => {});
    await g.open(7);
    expect(g.current).toBe(1);
    expect(await g.tick()).toBe(true);
    expect(calls).toEqual([[7, 1, true]]);
    expect(g.current).toBe(2);
    await g.tick();
    expect(g.current).toBe(4); // step 3 was done already
    g.go(-1);
    expect(g.current).toBe(3);
    await g.tick(false);
    expect(g.current).toBe(3);
    expect(g.doneCount).toBe(3);
    expect(firstUndone(steps([true, true]))).toBe(1);
  });
  it('a refused tick keeps the steps and shows the reason', async () => {
    const g = new RepairGuide({ load: async () => order([false, false]), tick: async () => { throw new Error('only the crew this order is dispatched to may do this'); } }, () => {});
    await g.open(7);
    expect(await g.tick()).toBe(false);
    expect(g.error).toMatch(/only the crew/);
    expect(g.steps.every((s) => !s.done)).toBe(true);
    expect(g.current).toBe(0);
  });
  it('panel buttons: hit areas and centres agree', () => {
    for (const id of ['prev', 'done', 'next'] as const) {
      const c = buttonCentre(id);
      expect(buttonAt(c.x / PANEL_M.w + 0.5, c.y / PANEL_M.h + 0.5)).toBe(id);
    }
    expect(buttonAt(0.5, 0.9)).toBeNull();
  });
  it('wraps Chinese between characters and English between words', () => {
    const m = (s: string) => s.length * 10;
    expect(wrapText('挂牌上锁切断电源并验电', 40, m)).toEqual(['挂牌上锁', '切断电源', '并验电']);
    expect(wrapText('Lock out and tag out', 80, m)).toEqual(['Lock out', 'and tag', 'out']);
    expect(wrapText('一二三四五六七八九十', 20, m, 2)).toEqual(['一二', '三…']);
  });
  it('the panel stands beside the equipment on the user\'s side, facing the user', () => {
    const b = new Box3(new Vector3(9, 4, 19), new Vector3(11, 6, 21));
    const user = new Vector3(10, 5.6, 25);
    const m = repairPanelPose(b, user, 0);
    const at = new Vector3().setFromMatrixPosition(m);
    expect(at.z).toBeGreaterThan(21); // towards the user
    expect(at.x).toBeGreaterThan(11); // to the user's right (+X when facing -Z)
    expect(at.y).toBeCloseTo(5.4, 6);
    const normal = new Vector3(0, 0, 1).transformDirection(m);
    const toUser = user.clone().sub(at).setY(0).normalize();
    expect(normal.dot(toUser)).toBeGreaterThan(0.999);
    // Without bounds: 1.2 m in front of the user.
    const f = new Vector3().setFromMatrixPosition(repairPanelPose(null, user, 0));
    expect(f.distanceTo(new Vector3(10, 5.6, 23.8))).toBeLessThan(1e-9);
  });
});
