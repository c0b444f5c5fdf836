/**
 * The dock column of a host view (the twin, the wall): every registered module's docks for that
 * host that the principal may see (docs/adding-a-module.md, "Docks"). Each dock is rendered as
 * `<section data-dock="<id>">` inside Suspense; the host places the column with CSS
 * (`.module-docks-twin`, `.module-docks-wall`). Also the wall's overlays (`wallOverlays`).
 */
import { Suspense } from 'react';
import { docksFor, useModuleAccess, wallOverlaysFor } from './registry.ts';
import type { DockHost, DockTarget } from './types.ts';
import type { TwinController } from '../scene/controller.ts';
import type { LiveClient } from '../live/client.ts';
import './docks.css';

/** The host's docks; nothing when there is none. */
export function ModuleDocks({ host, ctl, live, flyTo, panelOpen = false }: {
  host: DockHost; ctl: TwinController; live: LiveClient | null; flyTo: (t: DockTarget) => void;
  /** The twin's object panel is open (the column moves left of it). */ panelOpen?: boolean;
}) {
  const access = useModuleAccess();
  const docks = docksFor(host, access);
  if (docks.length === 0) return null;
  return (
    <aside className={`module-docks module-docks-${host}`} data-docks={host} data-panel-open={panelOpen ? '' : undefined}>
      {docks.map((d) => (
        <section key={d.id} className="module-dock" data-dock={d.id}>
          <Suspense fallback={null}>
            <d.component host={host} ctl={ctl} live={live} flyTo={flyTo} />
          </Suspense>
        </section>
      ))}
    </aside>
  );
}

/** The modules' overlays of the command wall's twin cell (the video grid...); nothing when none. */
export function ModuleWallOverlays({ park, focus }: { park: string | null; focus: number }) {
  const access = useModuleAccess();
  if (!park) return null;
  return (
    <>
      {wallOverlaysFor(access).map((o) => (
        <Suspense key={o.id} fallback={null}>
          <o.component park={park} focus={focus} />
        </Suspense>
      ))}
    </>
  );
}
