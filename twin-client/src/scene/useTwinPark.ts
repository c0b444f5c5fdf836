/**
 * The data side of any view that shows the twin (`/`, `/wall`, `/invest`, `/ops`): loads the park
 * and its hierarchy into a controller, opens the live socket, and follows the published tileset
 * version. Views compose this hook with `TwinCanvas` and their own overlays.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { LayerName } from '@park-twin/layers';
import { api, ApiError } from '../api/client.ts';
import { LiveClient } from '../live/client.ts';
import { LAYER_CHOICES, TwinController, type LayerChoice } from './controller.ts';
import { Hierarchy, type DrillState, type ParkIndexJson } from './hierarchy.ts';
import type { FrameStats } from './TwinCanvas.tsx';
import { installTestHook } from './testHook.ts';
import { readableLayers } from './layerAccess.ts';
import { useModuleAccess } from '../modules/registry.ts';
import { kitFetch } from '../kit/api.ts';

export type Park = ParkIndexJson['park'];

/**
 * How often a view asks whether the park was re-tiled. The stream announces re-tiles at once (and
 * each (re)connect asks once), so this poll only covers a socket that is down.
 */
const TILES_POLL_MS = 60_000;

/** Reads the drill deep link from the URL: `?b=&f=&o=&layer=`. */
export function drillFromUrl(): { drill: DrillState; layer: LayerChoice | null } {
  const q = new URLSearchParams(location.search);
  const n = (k: string) => Math.max(0, Number.parseInt(q.get(k) ?? '0', 10) || 0);
  const l = q.get('layer');
  return { drill: { building: n('b'), floor: n('f'), selected: n('o') }, layer: LAYER_CHOICES.includes(l as LayerChoice) ? (l as LayerChoice) : null };
}

/** Writes the drill state into the URL (replaceState: Back does not walk every click). */
export function drillToUrl(d: DrillState, layer: LayerChoice): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of [['b', d.building], ['f', d.floor], ['o', d.selected]] as const) {
    if (v) q.set(k, String(v));
    else q.delete(k);
  }
  q.set('layer', layer);
  const s = q.toString();
  history.replaceState(history.state, '', `${location.pathname}${s ? `?${s}` : ''}`);
}

function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/** Options of `useTwinPark`. */
export interface TwinParkOptions {
  /** Live layers to subscribe to (every layer the principal may read by default; others are left out). */
  layers?: readonly LayerName[];
  /** Follow the `?b=&f=&o=&layer=` deep link (default true). */
  deepLink?: boolean;
}

/** What a twin view needs to render. */
export interface TwinPark {
  ctl: TwinController;
  stats: FrameStats;
  park: Park | null;
  /** 'login', 'empty' or an error message; null while fine. */
  problem: string | null;
  live: LiveClient | null;
  /** Tileset URL with the published version (null until known). */
  tilesetUrl: string | null;
}

/** Loads the park into a fresh controller and keeps it live (see the module comment). */
export function useTwinPark(opts: TwinParkOptions = {}): TwinPark {
  const ctl = useMemo(() => new TwinController(), []);
  const stats = useRef<FrameStats>({ frames: 0, times: [], drawCalls: 0, triangles: 0, measure: false, pendingWorkMs: 0 }).current;
  const [park, setPark] = useState<Park | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [live, setLive] = useState<LiveClient | null>(null);
  const [tilesVersion, setTilesVersion] = useState<number | null>(null);
  const deepLink = opts.deepLink ?? true;
  // Only layers the principal may read: asking for others would only be refused (and audited).
  const readable = readableLayers(useModuleAccess().can);
  const layersKey = (opts.layers ?? readable).filter((l) => readable.includes(l)).join(',');
  useSyncExternalStore(ctl.subscribe, ctl.getVersion);

  // Re-tiles: the stream's `tiles` notice sets the version at once; the version is also asked for
  // on every (re)connect and slowly polled. A new version patches only the changed tiles into the
  // running renderer (TwinCanvas, tilesetUpdate.ts).
  const newerTiles = (version: number) => setTilesVersion((v) => (v === null || version > v ? version : v));
  const checkTiles = useRef<() => void>(() => {});
  const meetingRooms = useRef<() => void>(() => {});
  useEffect(() => {
    if (!park) return;
    let stop = false;
    const check = () => void api.get('/api/tiles/{park}/version', { params: { park: park.code }, background: true })
      .then((v) => { if (!stop) newerTiles(v.version); })
      .catch(() => {});
    checkTiles.current = check;
    check();
    const timer = setInterval(check, TILES_POLL_MS);
    return () => {
      stop = true;
      checkTiles.current = () => {};
      clearInterval(timer);
    };
  }, [park]);

  // Park, hierarchy, then the live socket.
  useEffect(() => {
    const ac = new AbortController();
    let client: LiveClient | null = null;
    const deep = deepLink ? drillFromUrl() : { drill: { building: 0, floor: 0, selected: 0 }, layer: null };
    if (deep.layer) ctl.layer = deep.layer;
    (async () => {
      const { parks } = await api.get('/api/twin/parks', { signal: ac.signal });
      const want = new URLSearchParams(location.search).get('park');
      const p = parks.find((x) => x.code === want) ?? parks[0];
      if (!p) return setProblem('empty');
      const index = await api.get('/api/twin/parks/{code}/index', { params: { code: p.code }, signal: ac.signal });
      ctl.setHierarchy(new Hierarchy(index));
      if (deep.drill.building || deep.drill.selected) {
        ctl.setDrill(deep.drill, { fly: false });
        // The building's overview shell is in the first tiles; frame it when it arrives.
        ctl.pendingFrame = deep.drill.building || deep.drill.selected;
      }
      setPark(p);
      client = new LiveClient({
        url: wsUrl(), store: ctl.store, layers: (layersKey ? layersKey.split(',') : []) as LayerName[],
        onMessage: (m) => {
          // A re-tile may have happened while the socket was down: ask once per connection.
          if (m.type === 'welcome') checkTiles.current();
          else if (m.type === 'tiles' && m.park === p.code) {
            ctl.tileUpdates.notices++;
            newerTiles(m.version);
          }
        },
      });
      // Proposals hold units, contracts let them (leasing module): recolour without a reload.
      // Bookings change meeting rooms (booking module): their state now is read again.
      client.addMessageListener((m) => {
        const x = m as unknown as { type: string; units?: number[]; status?: string; rooms?: number[] };
        if (x.type === 'leasing.units' && x.units && x.status) ctl.setLeaseStatus(x.units, x.status);
        if (x.type === 'booking.rooms') meetingRooms.current();
      });
      ctl.live = client;
      setLive(client);
    })().catch((e: Error) => {
      if (e.name === 'AbortError') return;
      setProblem(e instanceof ApiError && e.status === 401 ? 'login' : e.message);
    });
    return () => {
      ac.abort();
      client?.close();
    };
  }, [ctl, deepLink, layersKey]);

  // Meeting rooms free or booked now (booking layer): on load, on every booking.rooms push and each
  // minute (bookings start and end with the clock). Only for principals who may read bookings.
  const canBook = useModuleAccess().can('booking:read');
  useEffect(() => {
    if (!park || !canBook) return;
    let stop = false;
    const load = () => void kitFetch<{ rooms: { idx: number; now: string }[] }>('GET', `/api/booking/rooms?park=${encodeURIComponent(park.code)}`, undefined, { background: true })
      .then((r) => { if (!stop) ctl.setMeetingRooms(r.rooms.map((x) => [x.idx, x.now] as const), true); })
      .catch(() => {});
    meetingRooms.current = load;
    load();
    const timer = setInterval(load, 60_000);
    return () => {
      stop = true;
      meetingRooms.current = () => {};
      clearInterval(timer);
    };
  }, [ctl, park, canBook]);

  useEffect(() => installTestHook(ctl, stats), [ctl, stats]);

  const tilesetUrl = park && tilesVersion !== null ? `/tiles/${encodeURIComponent(park.code)}/tileset.json?v=${tilesVersion}` : null;
  return { ctl, stats, park, problem, live, tilesetUrl };
}
