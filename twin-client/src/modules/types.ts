/**
 * The client module contract: what a module under twin-client/src/modules/<name>/ registers.
 * A module is a plain object (views, panel sections per object kind, actions on objects, its
 * zh/en strings) handed to `registerModule` by one line in modules/index.ts; the shell, the
 * navigation and ObjectPanel walk the registry (docs/adding-a-module.md).
 */
import type { ComponentType } from 'react';
import type { TwinController } from '../scene/controller.ts';
import type { LiveClient } from '../live/client.ts';

/** What GET /api/twin/objects/:idx returns. */
export interface ObjectDetails {
  idx: number;
  uuid: string;
  kind: string;
  name: string;
  nameEn: string | null;
  attributes: Record<string, unknown>;
  path: Array<{ idx: number; kind: string; name: string; nameEn: string | null }>;
}

/** A text in both UI languages. */
export interface Label {
  readonly zh: string;
  readonly en: string;
}

/**
 * Who may use something: every permission of `all`, and at least one of `any` when given. The
 * same strings as the server's route permissions (`<module>:<action>`).
 */
export interface Access {
  readonly all?: readonly string[];
  readonly any?: readonly string[];
}

/** One top-level view: a route with a nav entry. */
export interface ModuleView extends Access {
  /** Exact path (`/ops`); `/` is the twin. */
  readonly path: string;
  readonly nav: Label;
  /** A lazily loaded component (`lazy(() => import(...))`) so each view is its own chunk. */
  readonly component: ComponentType;
  /** Position in the navigation (ascending; ties keep registration order). */
  readonly order?: number;
}

/** The object a panel section or action is about. */
export interface PanelObject {
  readonly idx: number;
  readonly kind: string;
  readonly details: ObjectDetails;
}

/** What a panel section component receives. */
export interface SectionProps {
  readonly obj: PanelObject;
  /** The twin's controller (live store, drill-down, camera). */
  readonly ctl: TwinController;
}

/** A section of the object panel, shown for the object kinds it names. */
export interface PanelSection extends Access {
  /** Unique over all modules; rendered as `data-section` on the section element. */
  readonly id: string;
  /** Object kinds (room, floor, building, equipment, camera, enterprise, pipe_segment, zone...) or '*'. */
  readonly kinds: readonly string[] | '*';
  /** Heading; none for sections that bring their own. */
  readonly title?: Label;
  /** Position in the panel (ascending). */
  readonly order?: number;
  readonly component: ComponentType<SectionProps>;
}

/** An action offered on an object (a button in its panel). */
export interface ObjectAction extends Access {
  readonly id: string;
  readonly kinds: readonly string[] | '*';
  readonly label: Label;
  /** An in-app address to open (another view, a form); or `run` for anything else. */
  href?(obj: PanelObject): string | null;
  run?(obj: PanelObject, ctl: TwinController): void;
}

/** The views that host docks: the twin view (`/`) and the command wall (`/wall`). */
export type DockHost = 'twin' | 'wall';

/** An object a dock asks its host to fly to (building and floor when known: the twin drills to them). */
export interface DockTarget {
  readonly idx: number;
  readonly building?: number | null;
  readonly floor?: number | null;
}

/** What a dock component receives from its host. */
export interface DockProps {
  readonly host: DockHost;
  /** The host's twin controller (live store, hierarchy, camera). */
  readonly ctl: TwinController;
  /** The host's live stream (null until connected): `live.addMessageListener` for pushes. */
  readonly live: LiveClient | null;
  /** Flies to an object the host's way: the twin drills to it and opens its panel, the wall focuses it. */
  flyTo(target: DockTarget): void;
}

/**
 * A dock: a small live box a module contributes to the twin view and/or the wall (an alarm list,
 * a queue), stacked in the host's dock column in `order`; `data-dock` is its id.
 */
export interface ModuleDock extends Access {
  /** Unique over all modules' sections, actions and docks. */
  readonly id: string;
  readonly hosts: readonly DockHost[];
  readonly order?: number;
  /** `lazy(() => import(...))`: rendered inside Suspense. */
  readonly component: ComponentType<DockProps>;
}

/** What a wall overlay receives: the wall's park code and the object it focuses (0: none). */
export interface WallOverlayProps {
  readonly park: string;
  readonly focus: number;
}

/**
 * A wall overlay: a module's layer over the command wall's twin cell (the video grid), rendered
 * inside Suspense when the principal may see it; it decides from the wall's URL whether to show.
 */
export interface ModuleWallOverlay extends Access {
  /** Unique over all modules' sections, actions, docks and overlays; `data-wall-overlay` on its host. */
  readonly id: string;
  /** `lazy(() => import(...))`. */
  readonly component: ComponentType<WallOverlayProps>;
}

/** A client module. */
export interface ClientModule {
  /** Stable id; the same as its server module's name. */
  readonly name: string;
  /**
   * The server module whose being switched on (GET /api/modules) this one follows: its `name` by
   * default; null for a client-only module that is always on.
   */
  readonly server?: string | null;
  /** Strings under the i18n namespace `name` (useTranslation(name)); zh-CN is the default language. */
  readonly i18n?: { readonly 'zh-CN': Record<string, unknown>; readonly en: Record<string, unknown> };
  readonly views?: readonly ModuleView[];
  readonly sections?: readonly PanelSection[];
  readonly actions?: readonly ObjectAction[];
  /** Docks on the twin view and the wall. */
  readonly docks?: readonly ModuleDock[];
  /** Layers over the command wall's twin cell. */
  readonly wallOverlays?: readonly ModuleWallOverlay[];
}
