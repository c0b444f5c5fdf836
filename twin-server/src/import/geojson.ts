/**
 * Checks a GeoJSON FeatureCollection of building footprints (RFC 7946) without a database:
 * structure, CRS, coordinates, and every property. Geometry validity (self-intersection) and
 * everything that needs the park is checked afterwards in PostGIS (see buildings.ts).
 */
import { ProblemList, suggest } from './problems.ts';

/** Building uses the schema accepts (building.use in 001_core.sql). */
export const BUILDING_USES = [
  'office', 'research', 'industrial', 'incubator', 'data_center', 'residential', 'commercial', 'amenity',
  'parking', 'utility', 'mixed',
] as const;
export type BuildingUse = (typeof BUILDING_USES)[number];

/** Properties a feature may carry; anything else is reported as unknown. */
export const KNOWN_PROPERTIES = [
  'height', 'floors', 'name', 'name_en', 'code', 'use', 'year', 'floor_height', 'floors_below', 'ground_elevation',
] as const;

/** Largest JSON text of one building's kept attributes. */
export const MAX_ATTRIBUTE_CHARS = 16_000;

/** Storey height used when a feature gives only `height` or only `floors` (metres). */
export const DEFAULT_FLOOR_HEIGHT = 3.9;
/** Use assumed when a feature has none. */
export const DEFAULT_USE: BuildingUse = 'office';

/** Limits that keep a single import bounded in memory and time. */
export const LIMITS = {
  /** Largest file accepted, in bytes (the HTTP route is further bounded by the body limit). */
  maxBytes: 50 * 1024 * 1024,
  maxFeatures: 20_000,
  /** Positions in one footprint (all rings); real outlines have a few hundred at most. */
  maxPositions: 10_000,
  maxHeight: 1000,
  minHeight: 2,
  maxFloors: 200,
  maxFloorsBelow: 10,
  minFloorHeight: 2,
  maxFloorHeight: 50,
  maxGroundElevation: 500,
} as const;

type Ring = [number, number][];

/** One footprint that passed the structural checks, with its attributes resolved. */
export interface BuildingCandidate {
  /** Index in the file's `features`. */
  readonly index: number;
  readonly ref: string;
  /** Undefined when the file gives none; a free code is assigned later. */
  readonly code: string | undefined;
  readonly name: string | undefined;
  readonly nameEn: string | undefined;
  readonly use: BuildingUse;
  readonly year: number | null;
  readonly height: number;
  readonly floorsAbove: number;
  readonly floorsBelow: number;
  /** Storey height of the floors above ground (height / floorsAbove). */
  readonly floorHeight: number;
  /** Storey height of basements. */
  readonly basementHeight: number;
  readonly groundElevation: number;
  /** 2D rings, exterior first, in lon/lat. */
  readonly rings: Ring[];
  /** The footprint as GeoJSON text (2D), for PostGIS. */
  readonly geojson: string;
  /** Properties the importer does not know, kept as the building's attributes (`unknown: 'keep'`). */
  readonly attributes: Record<string, unknown> | null;
}

/**
 * Which property of the file holds each building field, when the file does not use our names
 * (`{ height: 'HEIGHT_M', name: 'bldg_name' }`). Without a height mapping, `h` is read as the height.
 */
export interface FieldMapping {
  readonly height?: string;
  readonly floors?: string;
  readonly name?: string;
  readonly code?: string;
}

/** Mappable fields, in the order the CLI and the API list them. */
export const MAPPABLE_FIELDS = ['height', 'floors', 'name', 'code'] as const;

/** How the structural pass reads properties. */
export interface ParseOptions {
  readonly mapping?: FieldMapping;
  /** Properties the importer does not know: kept as attributes (default) or ignored; either way with a warning, never an error. */
  readonly unknown?: 'keep' | 'ignore';
}

/** Result of the structural pass: candidates that may still fail the PostGIS checks. */
export interface ParsedCollection {
  readonly featureCount: number;
  readonly candidates: BuildingCandidate[];
  /** Every footprint that passed the structural checks, even where the properties did not, so PostGIS can check it too. */
  readonly shapes: FootprintShape[];
}

/** A structurally sound footprint, for the PostGIS checks. */
export interface FootprintShape {
  readonly index: number;
  readonly ref: string;
  readonly geojson: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** The label a user can search for: index plus id / code / name if the feature has them. */
export function featureRef(index: number, f: unknown): string {
  const bits: string[] = [];
  if (isObj(f)) {
    if (typeof f.id === 'string' || typeof f.id === 'number') bits.push(`id ${show(f.id)}`);
    const p = f.properties;
    if (isObj(p)) {
      if (typeof p.code === 'string' || typeof p.code === 'number') bits.push(`code ${show(p.code)}`);
      if (typeof p.name === 'string') bits.push(`name ${show(p.name)}`);
    }
  }
  return `features[${index}]${bits.length ? ` (${bits.join(', ')})` : ''}`;
}

/** Where JSON.parse stopped, as line and column, for a useful "not JSON" message. */
function jsonErrorWhere(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return err.message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `${err.message.replace(/ in JSON at position \d+.*$/, '')} at line ${line}, column ${col}`;
}

const CRS_OK = /(?:EPSG:{1,2}4326|OGC:{1,2}(?:1\.3:)?CRS84|CRS:?84)$/i;
// CGCS2000 (China's national datum) differs from WGS 84 by centimetres: accepted with a note.
const CRS_CGCS2000 = /EPSG:{1,2}4490$/i;

/** Checks the legacy `crs` member (RFC 7946 removed it; old exporters still write it). */
function checkCrs(crs: unknown, problems: ProblemList): void {
  if (crs === undefined || crs === null) return;
  const name = isObj(crs) && isObj(crs.properties) ? crs.properties.name : undefined;
  const fix = 'GeoJSON must be WGS 84 longitude/latitude (EPSG:4326); reproject it, e.g. ' +
    '`ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson` or QGIS "Export > Save Features As" with CRS EPSG:4326';
  if (typeof name !== 'string') {
    problems.error(null, 'file', 'crs', `unreadable "crs" member ${show(crs)}; ${fix}`);
  } else if (CRS_CGCS2000.test(name)) {
    problems.warn(null, 'file', 'crs', `CRS ${name} (CGCS2000) is treated as WGS 84; the two differ by centimetres`);
  } else if (!CRS_OK.test(name)) {
    problems.error(null, 'file', 'crs', `the file declares CRS ${show(name)}; ${fix}`);
  }
}

/** Checks one ring; returns it as 2D positions or undefined after recording why not. */
function checkRing(raw: unknown, label: string, problems: ProblemList, index: number, ref: string, out: { projected?: [number, number] }): Ring | undefined {
  if (!Array.isArray(raw)) {
    problems.error(index, ref, 'geometry', `${label} is ${show(raw)}, not an array of [longitude, latitude] positions`);
    return undefined;
  }
  const ring: Ring = [];
  for (let k = 0; k < raw.length; k++) {
    const p: unknown = raw[k];
    if (!Array.isArray(p) || p.length < 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' ||
      !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      problems.error(index, ref, 'geometry', `${label} position ${k} is ${show(p)}; each position must be [longitude, latitude] with numbers, not strings or nulls`);
      return undefined;
    }
    const x = p[0];
    const y = p[1];
    if ((Math.abs(x) > 180 || Math.abs(y) > 90) && !out.projected) out.projected = [x, y];
    ring.push([x, y]);
  }
  if (ring.length < 4) {
    problems.error(index, ref, 'geometry', `${label} has ${ring.length} position${ring.length === 1 ? '' : 's'}; a polygon ring needs at least 4 (3 corners plus the first repeated at the end)`);
    return undefined;
  }
  const a = ring[0]!;
  const z = ring[ring.length - 1]!;
  if (a[0] !== z[0] || a[1] !== z[1]) {
    problems.error(index, ref, 'geometry', `${label} is not closed: it starts at [${a.join(', ')}] and ends at [${z.join(', ')}]; repeat the first position at the end`);
    return undefined;
  }
  return ring;
}

/** Checks the geometry; returns the rings or undefined after recording the problems. */
function checkGeometry(g: unknown, problems: ProblemList, index: number, ref: string, projected: { hit?: [number, number] }): Ring[] | undefined {
  if (g === null || g === undefined) {
    problems.error(index, ref, 'geometry', 'has no geometry; every building needs a Polygon footprint');
    return undefined;
  }
  if (!isObj(g) || typeof g.type !== 'string') {
    problems.error(index, ref, 'geometry', `is ${show(g)}, not a GeoJSON geometry object`);
    return undefined;
  }
  let polygon: unknown = g.coordinates;
  if (g.type === 'MultiPolygon') {
    if (!Array.isArray(g.coordinates)) {
      problems.error(index, ref, 'geometry', 'MultiPolygon "coordinates" must be an array of polygons');
      return undefined;
    }
    if (g.coordinates.length !== 1) {
      problems.error(index, ref, 'geometry', g.coordinates.length === 0
        ? 'is an empty MultiPolygon; give the building a Polygon footprint'
        : `is a MultiPolygon with ${g.coordinates.length} parts; one feature must be one building: split it (QGIS "Multipart to Singleparts") and give each part its own code`);
      return undefined;
    }
    polygon = g.coordinates[0];
  } else if (g.type !== 'Polygon') {
    const hint = g.type === 'Point' || g.type === 'MultiPoint' ? ' (a point marks a location, not an outline)'
      : g.type === 'LineString' || g.type === 'MultiLineString' ? ' (a line is not closed into an area; make it a polygon)' : '';
    problems.error(index, ref, 'geometry', `is a ${g.type}${hint}; building footprints must be Polygon (or single-part MultiPolygon) outlines`);
    return undefined;
  }
  if (!Array.isArray(polygon) || polygon.length === 0) {
    problems.error(index, ref, 'geometry', `Polygon "coordinates" must be a non-empty array of rings, got ${show(polygon)}`);
    return undefined;
  }
  const total = polygon.reduce((n: number, r: unknown) => n + (Array.isArray(r) ? r.length : 0), 0);
  if (total > LIMITS.maxPositions) {
    problems.error(index, ref, 'geometry', `footprint has ${total} positions (limit ${LIMITS.maxPositions}); simplify it (QGIS "Simplify", tolerance 0.1 m)`);
    return undefined;
  }
  const rings: Ring[] = [];
  const seen: { projected?: [number, number] } = {};
  for (let r = 0; r < polygon.length; r++) {
    const ring = checkRing(polygon[r], r === 0 ? 'outer ring' : `hole ${r}`, problems, index, ref, seen);
    if (!ring) return undefined;
    rings.push(ring);
  }
  if (seen.projected) {
    projected.hit = seen.projected;
    return undefined;
  }
  return rings;
}

/** "12.3 MB" / "512 KB" for size messages. */
export function describeSize(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

type Num = { ok: true; value: number | undefined } | { ok: false };

/**
 * Parses and checks a FeatureCollection. Records every problem in `problems`; returns the
 * features that passed (a caller rejects the whole file if any problem was recorded).
 */
export function parseBuildingCollection(input: string | unknown, problems: ProblemList, maxBytes: number = LIMITS.maxBytes, opts: ParseOptions = {}): ParsedCollection {
  let doc: unknown = input;
  if (typeof input === 'string') {
    const bytes = Buffer.byteLength(input, 'utf8');
    if (bytes > maxBytes) {
      problems.error(null, 'file', undefined, `${describeSize(bytes)} is over the ${describeSize(maxBytes)} limit; split it into several files by area and import them one after another`);
      return { featureCount: 0, candidates: [], shapes: [] };
    }
    try {
      doc = JSON.parse(input.replace(/^\uFEFF/, ''));
    } catch (e) {
      problems.error(null, 'file', undefined, `is not valid JSON: ${jsonErrorWhere(input, e as Error)}`);
      return { featureCount: 0, candidates: [], shapes: [] };
    }
  }
  if (!isObj(doc) || doc.type !== 'FeatureCollection') {
    const t = isObj(doc) ? doc.type : undefined;
    const got = t === 'Feature' ? 'a single Feature; wrap it as {"type": "FeatureCollection", "features": [ ... ]}'
      : typeof t === 'string' ? `a bare ${t} geometry; put it in a Feature with properties, inside a FeatureCollection`
        : Array.isArray(doc) ? 'an array; wrap it as {"type": "FeatureCollection", "features": [ ... ]}'
          : `${show(doc)}`;
    problems.error(null, 'file', 'type', `must be a GeoJSON FeatureCollection, got ${got}`);
    return { featureCount: 0, candidates: [], shapes: [] };
  }
  checkCrs(doc.crs, problems);
  const features = doc.features;
  if (!Array.isArray(features)) {
    problems.error(null, 'file', 'features', `must be an array of Features, got ${show(features)}`);
    return { featureCount: 0, candidates: [], shapes: [] };
  }
  if (features.length === 0) {
    problems.error(null, 'file', 'features', 'the collection is empty; there is nothing to import');
    return { featureCount: 0, candidates: [], shapes: [] };
  }
  if (features.length > LIMITS.maxFeatures) {
    problems.error(null, 'file', 'features', `has ${features.length} features, over the limit of ${LIMITS.maxFeatures} per import; split the file`);
    return { featureCount: features.length, candidates: [], shapes: [] };
  }

  const mapping = opts.mapping ?? {};
  for (const [field, source] of Object.entries(mapping) as [string, string | undefined][]) {
    if (source === undefined) continue;
    if (!features.some((f) => isObj(f) && isObj(f.properties) && source in f.properties)) {
      problems.error(null, 'file', field, `the field mapping reads ${field} from property ${show(source)}, which no feature has`);
    }
  }
  const unknownSeen = new Map<string, { count: number; first: string }>();
  const candidates: BuildingCandidate[] = [];
  const shapes: FootprintShape[] = [];
  const projectedAt: { index: number; ref: string; at: [number, number] }[] = [];
  let withGeometry = 0;
  for (let i = 0; i < features.length; i++) {
    const f: unknown = features[i];
    const ref = featureRef(i, f);
    if (!isObj(f) || f.type !== 'Feature') {
      problems.error(i, ref, 'type', `must be a GeoJSON Feature, got ${show(isObj(f) ? f.type : f)}`);
      continue;
    }
    const before = problems.count;
    const proj: { hit?: [number, number] } = {};
    const rings = checkGeometry(f.geometry, problems, i, ref, proj);
    if (f.geometry !== null && f.geometry !== undefined) withGeometry++;
    if (proj.hit) projectedAt.push({ index: i, ref, at: proj.hit });
    const attrs = checkProperties(f.properties, problems, i, ref, mapping, opts.unknown ?? 'keep', unknownSeen);
    if (!rings) continue;
    const geojson = JSON.stringify({ type: 'Polygon', coordinates: rings });
    shapes.push({ index: i, ref, geojson });
    if (attrs && problems.count === before) candidates.push({ index: i, ref, ...attrs, rings, geojson });
  }
  // Unknown properties: one warning per property name, with how many features carry it.
  for (const [key, { count, first }] of unknownSeen) {
    const s = suggest(key, KNOWN_PROPERTIES);
    problems.warn(null, `${count} feature${count === 1 ? '' : 's'} (first ${first})`, 'properties',
      `unknown property ${show(key)}, ${opts.unknown === 'ignore' ? 'ignored' : 'kept as an attribute of the building'}` +
      `${s ? `; did you mean "${s}"? (or map it: --map ${s}=${key})` : ''} (known: ${KNOWN_PROPERTIES.join(', ')})`);
  }
  // Projected metres usually affect every feature: say it once instead of once per feature.
  const projMsg = (at: [number, number]) => Math.abs(at[0]) <= 90 && Math.abs(at[1]) <= 180
    ? `position [${at.join(', ')}] has a latitude beyond ±90: longitude and latitude look swapped; GeoJSON positions are [longitude, latitude]`
    : `coordinates such as [${at.join(', ')}] are outside longitude -180..180 / latitude -90..90: they look like projected metres (e.g. a UTM or local grid), not WGS 84 degrees; reproject to EPSG:4326, e.g. \`ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson\``;
  if (projectedAt.length > 1 && projectedAt.length === withGeometry) {
    problems.error(null, 'file', 'coordinates', `in all ${projectedAt.length} features (e.g. ${projectedAt[0]!.ref}), ${projMsg(projectedAt[0]!.at)}`);
  } else {
    for (const p of projectedAt) problems.error(p.index, p.ref, 'geometry', projMsg(p.at));
  }
  return { featureCount: features.length, candidates, shapes };
}

type Attrs = Omit<BuildingCandidate, 'index' | 'ref' | 'rings' | 'geojson'>;

/** Checks the properties of one feature; returns resolved attributes or undefined. */
function checkProperties(raw: unknown, problems: ProblemList, i: number, ref: string, mapping: FieldMapping,
  unknown: 'keep' | 'ignore', unknownSeen: Map<string, { count: number; first: string }>): Attrs | undefined {
  if (raw === null || raw === undefined) {
    problems.error(i, ref, 'properties', 'has no properties; give at least "height" (metres) or "floors"');
    return undefined;
  }
  if (!isObj(raw)) {
    problems.error(i, ref, 'properties', `must be an object, got ${show(raw)}`);
    return undefined;
  }
  let ok = true;
  const err = (field: string, msg: string) => {
    ok = false;
    problems.error(i, ref, field, msg);
  };
  // Apply the field mapping: the mapped source properties stand for our fields (and replace them).
  const props: Record<string, unknown> = {};
  const consumed = new Set<string>();
  for (const field of MAPPABLE_FIELDS) {
    const source = mapping[field];
    if (source !== undefined) {
      consumed.add(source);
      if (source in raw) props[field] = raw[source];
    }
  }
  // `h` is a common height column (OSM-derived and city data sets): read it as the height.
  if (mapping.height === undefined && !('height' in raw) && 'h' in raw) {
    props.height = raw.h;
    consumed.add('h');
  }
  let attributes: Record<string, unknown> | null = null;
  for (const [key, v] of Object.entries(raw)) {
    if (consumed.has(key)) continue;
    if ((KNOWN_PROPERTIES as readonly string[]).includes(key)) {
      if (!(key in props)) props[key] = v;
      continue;
    }
    const seen = unknownSeen.get(key);
    if (seen) seen.count++;
    else unknownSeen.set(key, { count: 1, first: ref });
    if (unknown === 'keep' && v !== null && v !== undefined) (attributes ??= {})[key] = v;
  }
  if (attributes && JSON.stringify(attributes).length > MAX_ATTRIBUTE_CHARS) {
    err('properties', `the unknown properties kept as attributes take ${JSON.stringify(attributes).length} characters, over ${MAX_ATTRIBUTE_CHARS}; drop the large ones or import with --unknown ignore`);
  }
  // GIS exports write null for empty attribute cells: treat null as absent.
  const get = (k: string): unknown => (props[k] === null ? undefined : props[k]);
  const num = (k: string, opts: { int?: boolean; min: number; max: number; minOpen?: boolean; what: string }): Num => {
    const v = get(k);
    if (v === undefined) return { ok: true, value: undefined };
    const n = typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      err(k, `must be a number (${opts.what}), got ${show(v)}`);
      return { ok: false };
    }
    if (opts.int && !Number.isInteger(n)) {
      err(k, `must be a whole number (${opts.what}), got ${n}`);
      return { ok: false };
    }
    if (n < opts.min || (opts.minOpen && n === opts.min) || n > opts.max) {
      const range = `${opts.minOpen ? 'above' : 'from'} ${opts.min}${opts.minOpen ? ' and up to' : ' to'} ${opts.max}`;
      const why = n > opts.max ? 'is implausibly large'
        : n <= 0 && opts.min >= 0 ? (opts.min === 0 && !opts.minOpen ? 'must not be negative' : 'must be positive') : 'is out of range';
      err(k, `${why}: ${n} (${opts.what}; accepted ${range})`);
      return { ok: false };
    }
    return { ok: true, value: n };
  };
  const text = (k: string, max: number): string | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || v.trim().length > max) {
      err(k, `must be a non-empty text of at most ${max} characters, got ${show(v)}`);
      return undefined;
    }
    return v.trim();
  };

  const height = num('height', { min: 0, minOpen: true, max: LIMITS.maxHeight, what: 'metres above ground' });
  const floors = num('floors', { int: true, min: 1, max: LIMITS.maxFloors, what: 'storeys above ground' });
  const floorHeight = num('floor_height', { min: LIMITS.minFloorHeight, max: LIMITS.maxFloorHeight, what: 'metres per storey' });
  const floorsBelow = num('floors_below', { int: true, min: 0, max: LIMITS.maxFloorsBelow, what: 'basement storeys' });
  const ground = num('ground_elevation', { min: -LIMITS.maxGroundElevation, max: LIMITS.maxGroundElevation, what: 'metres relative to the park ground datum' });
  const year = num('year', { int: true, min: 1900, max: 2100, what: 'year of completion' });
  const name = text('name', 200);
  const nameEn = text('name_en', 200);

  let code: string | undefined;
  const rawCode = get('code');
  if (rawCode !== undefined) {
    const c = typeof rawCode === 'number' && Number.isInteger(rawCode) && rawCode >= 0 ? String(rawCode) : rawCode;
    if (typeof c !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/.test(c)) {
      err('code', `${show(rawCode)} is not a valid building code: 1-32 letters, digits, "_" or "-", starting with a letter or digit (e.g. "A3", "B-12")`);
    } else code = c;
  }

  let use: BuildingUse = DEFAULT_USE;
  const rawUse = get('use');
  if (rawUse !== undefined) {
    if (typeof rawUse === 'string' && (BUILDING_USES as readonly string[]).includes(rawUse)) use = rawUse as BuildingUse;
    else {
      const s = typeof rawUse === 'string' ? suggest(rawUse, BUILDING_USES) : undefined;
      err('use', `${show(rawUse)} is not a building use${s ? `; did you mean "${s}"?` : ''} (accepted: ${BUILDING_USES.join(', ')})`);
    }
  }

  if (height.ok && floors.ok && height.value === undefined && floors.value === undefined) {
    err('height', 'missing: give "height" (metres above ground) or "floors" (storeys above ground), or both');
  }
  if (!ok || !height.ok || !floors.ok || !floorHeight.ok || !floorsBelow.ok || !ground.ok || !year.ok) return undefined;

  // Derive whichever of height / floors is missing; with both, the storey height follows from them.
  const storey = floorHeight.value ?? DEFAULT_FLOOR_HEIGHT;
  let h = height.value;
  let n = floors.value;
  if (h === undefined) h = n! * storey;
  if (n === undefined) n = Math.max(1, Math.round(h / storey));
  if (h < LIMITS.minHeight) {
    err('height', `${h} m is too low for a building (at least ${LIMITS.minHeight} m); is it in the right unit?`);
    return undefined;
  }
  if (h > LIMITS.maxHeight) {
    err('floors', `${n} storeys of ${storey} m make ${h} m, over the ${LIMITS.maxHeight} m limit; check "floors" and "floor_height"`);
    return undefined;
  }
  if (n > LIMITS.maxFloors) {
    err('height', `${h} m at ${storey} m per storey makes ${n} storeys, over ${LIMITS.maxFloors}; give "floors" or "floor_height" too`);
    return undefined;
  }
  const perFloor = h / n;
  if (perFloor < LIMITS.minFloorHeight || perFloor > LIMITS.maxFloorHeight) {
    err('height', `height ${h} m over ${n} storeys is ${perFloor.toFixed(2)} m per storey (accepted ${LIMITS.minFloorHeight}-${LIMITS.maxFloorHeight}); check "height" and "floors"`);
    return undefined;
  }
  return {
    code,
    name,
    nameEn,
    use,
    year: year.value ?? null,
    height: Math.round(h * 100) / 100,
    floorsAbove: n,
    floorsBelow: floorsBelow.value ?? 0,
    floorHeight: perFloor,
    basementHeight: storey,
    groundElevation: ground.value ?? 0,
    attributes,
  };
}
