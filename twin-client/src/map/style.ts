/**
 * Pure helpers of the development map: colour palettes, column placement, bbox arithmetic and the
 * shareable URL state. No DOM or deck.gl here, so they are tested in Node.
 */

/** RGB colour. */
export type Rgb = [number, number, number];
/** RGBA colour as deck.gl takes it. */
export type Rgba = [number, number, number, number];

/** Planned uses of a block (zone.planned_use in the core schema). */
export const PLANNED_USES = ['research', 'industrial', 'commercial', 'residential', 'green', 'public', 'reserve'] as const;
export type PlannedUse = (typeof PLANNED_USES)[number];

/** Enterprise industries (enterprise.industry in the core schema). */
export const INDUSTRIES = ['ai', 'ic_design', 'software', 'biomed', 'new_energy', 'smart_manufacturing', 'digital_media',
  'fintech', 'e_commerce', 'services'] as const;
export type Industry = (typeof INDUSTRIES)[number];

/** Block fill by planned use: the usual land-use planning hues (research blue, industry ochre, green green). */
export const PLANNED_USE_COLOURS: Record<PlannedUse, Rgb> = {
  research: [70, 130, 235],
  industrial: [214, 150, 60],
  commercial: [220, 80, 120],
  residential: [235, 205, 90],
  green: [70, 170, 90],
  public: [150, 110, 215],
  reserve: [130, 135, 145],
};

/** Industry hues, chosen to stay distinct from each other on a dark background. */
export const INDUSTRY_COLOURS: Record<Industry, Rgb> = {
  ai: [0, 200, 255],
  ic_design: [125, 95, 255],
  software: [60, 120, 246],
  biomed: [16, 200, 130],
  new_energy: [240, 200, 20],
  smart_manufacturing: [249, 115, 22],
  digital_media: [236, 72, 153],
  fintech: [244, 63, 94],
  e_commerce: [168, 85, 247],
  services: [160, 170, 190],
};

/** Buildings without tenants. */
export const NO_INDUSTRY_COLOUR: Rgb = [95, 105, 125];

/** Colour of a block by planned use (grey for unknown or unplanned). */
export function plannedUseColour(use: string | null | undefined, alpha = 255): Rgba {
  const c = PLANNED_USE_COLOURS[use as PlannedUse] ?? PLANNED_USE_COLOURS.reserve;
  return [c[0], c[1], c[2], alpha];
}

/** Colour of a building or enterprise by industry (neutral grey when none). */
export function industryColour(industry: string | null | undefined, alpha = 255): Rgba {
  const c = INDUSTRY_COLOURS[industry as Industry] ?? NO_INDUSTRY_COLOUR;
  return [c[0], c[1], c[2], alpha];
}

/** [minLon, minLat, maxLon, maxLat]. */
export type Bbox = [number, number, number, number];

/** Bounding box of any GeoJSON coordinates (nested arrays of [lon, lat, ...]); null when empty. */
export function bboxOf(coords: unknown, into: Bbox | null = null): Bbox | null {
  if (!Array.isArray(coords)) return into;
  if (typeof coords[0] === 'number' && typeof coords[1] === 'number') {
    const [x, y] = coords as [number, number];
    if (!into) return [x, y, x, y];
    return [Math.min(into[0], x), Math.min(into[1], y), Math.max(into[2], x), Math.max(into[3], y)];
  }
  let b = into;
  for (const c of coords) b = bboxOf(c, b);
  return b;
}

/** Grows a bbox by a fraction of its size on every side (at least `minDeg`). */
export function padBbox(b: Bbox, fraction: number, minDeg = 0.0005): Bbox {
  const dx = Math.max((b[2] - b[0]) * fraction, minDeg);
  const dy = Math.max((b[3] - b[1]) * fraction, minDeg);
  return [Math.max(-180, b[0] - dx), Math.max(-90, b[1] - dy), Math.min(180, b[2] + dx), Math.min(90, b[3] + dy)];
}

/**
 * Web-Mercator zoom that fits a bbox into a viewport of the given pixel size (512-px tiles,
 * deck.gl's convention). Clamped to [1, 20].
 */
export function zoomToFit(b: Bbox, width: number, height: number): number {
  const mercY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  const spanX = Math.max((b[2] - b[0]) / 360, 1e-9);
  const spanY = Math.max((mercY(b[3]) - mercY(b[1])) / (2 * Math.PI), 1e-9);
  const z = Math.log2(Math.min(width / (512 * spanX), height / (512 * spanY)));
  return Math.min(20, Math.max(1, z));
}

/**
 * Positions for enterprise columns: enterprises sharing a building are spread on a small ring
 * around its centroid (`radiusM` metres) so no column hides another; a lone one stays put.
 */
export function spreadColumns<T extends { lon: number; lat: number; key: number }>(items: readonly T[], radiusM: number): Map<number, [number, number]> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const k = `${it.lon.toFixed(7)},${it.lat.toFixed(7)}`;
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  const out = new Map<number, [number, number]>();
  for (const g of groups.values()) {
    g.forEach((it, i) => {
      if (g.length === 1) {
        out.set(it.key, [it.lon, it.lat]);
        return;
      }
      const a = (2 * Math.PI * i) / g.length;
      const dLat = (radiusM * Math.cos(a)) / 111_320;
      const dLon = (radiusM * Math.sin(a)) / (111_320 * Math.cos((it.lat * Math.PI) / 180));
      out.set(it.key, [it.lon + dLon, it.lat + dLat]);
    });
  }
  return out;
}

/** Column height in metres for an output value (10k CNY): square-root scaled so a giant does not dwarf the rest. */
export function columnHeight(output: number, maxOutput: number, maxHeightM = 150): number {
  if (!(output > 0) || !(maxOutput > 0)) return 2;
  return Math.max(2, maxHeightM * Math.sqrt(output / maxOutput));
}

/** Map layers a user can switch. */
export const MAP_LAYERS = ['blocks', 'buildings', 'enterprises', 'heat'] as const;
export type MapLayerId = (typeof MAP_LAYERS)[number];

/** Camera of the map. */
export interface MapCamera {
  longitude: number;
  latitude: number;
  zoom: number;
  pitch: number;
  bearing: number;
}

/** What the map's URL carries, so a link reopens exactly this view. */
export interface MapUrlState {
  park?: string;
  camera?: MapCamera;
  layers: MapLayerId[];
  lang?: 'zh-CN' | 'en';
  /** Render for tests: no animation, report readiness. */
  test: boolean;
}

const num = (v: string | null, min: number, max: number): number | undefined => {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
};

/** Reads the map state from a query string; anything malformed falls back to defaults. */
export function parseMapUrl(search: string): MapUrlState {
  const p = new URLSearchParams(search);
  const park = p.get('park');
  const lon = num(p.get('lon'), -180, 180);
  const lat = num(p.get('lat'), -85, 85);
  const zoom = num(p.get('z'), 0, 24);
  const layersRaw = p.get('layers');
  const layers = layersRaw === null
    ? [...MAP_LAYERS]
    : MAP_LAYERS.filter((l) => layersRaw.split(',').includes(l));
  const lang = p.get('lang');
  return {
    ...(park && /^[a-z0-9][a-z0-9-]{1,62}$/.test(park) ? { park } : {}),
    ...(lon !== undefined && lat !== undefined && zoom !== undefined
      ? { camera: { longitude: lon, latitude: lat, zoom, pitch: num(p.get('pitch'), 0, 85) ?? 0, bearing: num(p.get('bearing'), -360, 360) ?? 0 } }
      : {}),
    layers,
    ...(lang === 'en' || lang === 'zh-CN' ? { lang } : {}),
    test: p.get('test') === '1',
  };
}

/** Writes the map state as a query string (stable key order, rounded camera). */
export function formatMapUrl(s: MapUrlState): string {
  const p = new URLSearchParams();
  if (s.park) p.set('park', s.park);
  if (s.camera) {
    p.set('lon', s.camera.longitude.toFixed(6));
    p.set('lat', s.camera.latitude.toFixed(6));
    p.set('z', s.camera.zoom.toFixed(2));
    p.set('pitch', s.camera.pitch.toFixed(1));
    p.set('bearing', s.camera.bearing.toFixed(1));
  }
  if (s.layers.length !== MAP_LAYERS.length) p.set('layers', s.layers.join(','));
  if (s.lang) p.set('lang', s.lang);
  if (s.test) p.set('test', '1');
  return p.toString();
}
