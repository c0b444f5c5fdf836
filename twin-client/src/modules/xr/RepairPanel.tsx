/**
 * Guided repair in the headset (inside `<XR>`): the work order's current procedure step on an
 * in-world panel standing beside the order's equipment (repair.ts `repairPanelPose`), with
 * previous / done / next buttons a controller ray (or a tap on a phone in AR) presses. The same
 * guide drives the page's card (XrView), so a tick in either shows in both.
 */
import { useEffect, useMemo, useRef, type RefObject } from 'react';
import { useFrame } from '@react-three/fiber';
import { useTranslation } from 'react-i18next';
import { CanvasTexture, DoubleSide, Matrix4, Mesh, MeshBasicMaterial, PlaneGeometry, Raycaster, Vector3, type Box3, type Object3D } from 'three';
import { PANEL_BUTTONS, PANEL_M, PANEL_PX, buttonAt, buttonCentre, repairPanelPose, wrapText, type PanelButton } from './repair.ts';
import type { XrState } from './xrState.ts';

const FONT = '"Noto Sans SC Variable", sans-serif';

/** Draws the guide's current step on the panel's canvas. */
function draw(canvas: HTMLCanvasElement, xs: XrState, t: (k: string, o?: Record<string, unknown>) => string, en: boolean): void {
  const g = canvas.getContext('2d')!;
  const r = xs.repair;
  const o = r.order;
  const steps = r.steps;
  const step = steps[r.current];
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = 'rgba(8,18,34,0.94)';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.strokeStyle = '#f4a261';
  g.lineWidth = 8;
  g.strokeRect(4, 4, canvas.width - 8, canvas.height - 8);
  g.fillStyle = '#ffffff';
  g.font = `bold 34px ${FONT}`;
  g.fillText(wrapText(o ? `${o.code} ${o.title}` : t('repair.loading'), canvas.width - 56, (s) => g.measureText(s).width, 1)[0] ?? '', 28, 56);
  g.font = `26px ${FONT}`;
  g.fillStyle = '#9fb3cc';
  const proc = o?.procedure;
  g.fillText(proc ? `${en ? proc.title.en : proc.title.zh} · ${t('repair.stepOf', { n: r.current + 1, all: steps.length })} · ${t('repair.doneOf', { done: r.doneCount, all: steps.length })}` : t('repair.noProcedure'), 28, 96);
  // Progress: one segment per step, done green, the current one outlined.
  const n = Math.max(1, steps.length);
  const segW = (canvas.width - 56 - (n - 1) * 8) / n;
  steps.forEach((s, i) => {
    g.fillStyle = s.done ? '#4cd964' : '#2b3c55';
    g.fillRect(28 + i * (segW + 8), 116, segW, 14);
    if (i === r.current) {
      g.strokeStyle = '#ffffff';
      g.lineWidth = 3;
      g.strokeRect(28 + i * (segW + 8) - 2, 114, segW + 4, 18);
    }
  });
  if (step) {
    g.fillStyle = '#ffffff';
    g.font = `bold 44px ${FONT}`;
    wrapText(en ? step.en : step.zh, canvas.width - 56, (s) => g.measureText(s).width, 4).forEach((line, i) => g.fillText(line, 28, 200 + i * 58));
    if (step.done) {
      g.fillStyle = '#4cd964';
      g.font = `bold 30px ${FONT}`;
      g.fillText(`✓ ${t('repair.stepDone')}${step.byName ? ` · ${step.byName}` : ''}`, 28, 452);
    }
  }
  if (r.error) {
    g.fillStyle = '#ff6b6b';
    g.font = `26px ${FONT}`;
    g.fillText(wrapText(r.error, canvas.width - 56, (s) => g.measureText(s).width, 1)[0] ?? '', 28, 470);
  }
  for (const b of PANEL_BUTTONS) {
    const enabled = b.id === 'prev' ? r.current > 0 : b.id === 'next' ? r.current < steps.length - 1 : Boolean(step) && !r.busy;
    g.fillStyle = !enabled ? '#1b2636' : b.id === 'done' ? (step?.done ? '#44546b' : '#1f9d55') : '#2f5d9a';
    g.fillRect(b.x, b.y, b.w, b.h);
    g.fillStyle = enabled ? '#ffffff' : '#56657a';
    g.font = `bold 34px ${FONT}`;
    const label = b.id === 'prev' ? `◀ ${t('repair.prev')}` : b.id === 'next' ? `${t('repair.next')} ▶` : step?.done ? t('repair.undo') : `✓ ${t('repair.done')}`;
    const w = g.measureText(label).width;
    g.fillText(label, b.x + (b.w - w) / 2, b.y + b.h / 2 + 12);
  }
}

/** Presses a panel button. */
export function pressRepairButton(xs: XrState, id: PanelButton): void {
  if (id === 'prev') xs.repair.go(-1);
  else if (id === 'next') xs.repair.go(1);
  else {
    const s = xs.repair.steps[xs.repair.current];
    if (s) void xs.repair.tick(!s.done);
  }
}

/** The in-world guided-repair panel. */
export function RepairPanel({ xs, origin }: { xs: XrState; origin: RefObject<Object3D | null> }) {
  const { t, i18n } = useTranslation('xr');
  const en = i18n.language === 'en';
  const panel = useMemo(() => {
    const canvas = document.createElement('canvas');
    canvas.width = PANEL_PX.w;
    canvas.height = PANEL_PX.h;
    const tex = new CanvasTexture(canvas);
    // Drawn over the model (no depth test, last): the twin's walls and rooms must not hide the instructions.
    const mesh = new Mesh(new PlaneGeometry(PANEL_M.w, PANEL_M.h), new MeshBasicMaterial({ map: tex, side: DoubleSide, transparent: true, depthTest: false, depthWrite: false }));
    mesh.renderOrder = 10;
    mesh.visible = false;
    mesh.name = 'xr-repair-panel';
    return { canvas, tex, mesh };
  }, []);
  const anchor = useRef<{ idx: number; bounds: Box3 | null; checked: number }>({ idx: 0, bounds: null, checked: 0 });

  // Redraw on every change of the guide.
  useEffect(() => {
    const redraw = () => {
      if (!xs.repair.order && !xs.repair.loading) return;
      draw(panel.canvas, xs, t as unknown as (k: string, o?: Record<string, unknown>) => string, en);
      panel.tex.needsUpdate = true;
    };
    redraw();
    const off = xs.subscribe(redraw);
    return () => {
      off();
    };
  }, [xs, panel, t, en]);

  // The controller ray's hit on the panel presses its button (XrScene asks before picking tiles).
  useEffect(() => {
    const rc = new Raycaster();
    xs.uiHit = (ray: Matrix4) => {
      if (!panel.mesh.visible) return false;
      rc.set(new Vector3().setFromMatrixPosition(ray), new Vector3(0, 0, -1).transformDirection(ray));
      panel.mesh.updateMatrixWorld(true);
      const hit = rc.intersectObject(panel.mesh, false)[0];
      if (!hit?.uv) return false;
      const b = buttonAt(hit.uv.x, hit.uv.y);
      if (b) pressRepairButton(xs, b);
      return true;
    };
    xs.repairButtonAt = (id) => buttonCentre(id).applyMatrix4(panel.mesh.matrixWorld);
    return () => {
      xs.uiHit = null;
      xs.repairButtonAt = null;
    };
  }, [xs, panel]);

  // Pose: beside the equipment once its geometry is loaded (looked for twice a second until found).
  useFrame(({ clock }) => {
    const o = xs.repair.order;
    const m = panel.mesh;
    if (!o || !xs.session || (xs.mode === 'immersive-ar' && !xs.placed)) {
      m.visible = false;
      return;
    }
    const a = anchor.current;
    if (a.idx !== (o.objectIdx ?? 0)) {
      a.idx = o.objectIdx ?? 0;
      a.bounds = null;
      a.checked = 0;
    }
    const now = clock.elapsedTime;
    if (a.idx > 0 && !a.bounds && now - a.checked > 0.5) {
      a.checked = now;
      a.bounds = xs.ctl.boundsOf(a.idx);
    }
    const om = origin.current?.matrixWorld ?? new Matrix4();
    const v = xs.viewer;
    const viewer = new Vector3(...v.position).applyMatrix4(om);
    const fwd = new Vector3(-Math.sin(v.yaw), 0, -Math.cos(v.yaw)).transformDirection(om);
    const pose = repairPanelPose(a.bounds, viewer, Math.atan2(-fwd.x, -fwd.z), xs.scale());
    pose.decompose(m.position, m.quaternion, m.scale);
    m.updateMatrixWorld(true);
    xs.repairAnchored = a.bounds !== null;
    m.visible = true;
  });

  return <primitive object={panel.mesh} />;
}
