import fs from 'node:fs/promises';
import os from 'node:os';
import { appendAudit } from '../auth/audit.ts';
import { loadConfig } from '../config.ts';
import { openDb, migrate } from '../db/index.ts';
import type { Db } from '../db/types.ts';
import { ParkError, createPark, deletePark, listParkInfos, updatePark, type BoundarySource, type ParkInfo } from '../modules/parks/service.ts';
import { UsageError, numberFlag, type Args } from './args.ts';
import type { Command } from './command.ts';

const FLAGS: Record<string, string[]> = {
  list: ['json'],
  create: ['code', 'name', 'name-en', 'city', 'origin', 'boundary', 'boundary-from', 'margin', 'json'],
  update: ['name', 'name-en', 'city', 'origin', 'boundary', 'boundary-from', 'margin', 'json'],
  delete: ['yes', 'json'],
};

/** Reads a text flag (not a bare switch). */
function text(args: Args, name: string): string | undefined {
  const v = args.flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

/** `--origin LON,LAT[,HEIGHT]`. */
function originFlag(args: Args): { lon: number; lat: number; height?: number } | undefined {
  const v = text(args, 'origin');
  if (v === undefined) return undefined;
  const n = v.split(',').map((x) => Number(x.trim()));
  if (n.length < 2 || n.length > 3 || n.some((x) => !Number.isFinite(x))) throw new UsageError(`--origin must be LON,LAT or LON,LAT,HEIGHT (numbers), got ${JSON.stringify(v)}`);
  return { lon: n[0]!, lat: n[1]!, ...(n.length === 3 ? { height: n[2]! } : {}) };
}

async function readJson(file: string, what: string): Promise<unknown> {
  let t: string;
  try {
    t = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ParkError(400, `${what}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(t.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new ParkError(400, `${what}: ${file} is not JSON: ${(e as Error).message}`);
  }
}

/** `--boundary FILE` (a GeoJSON Polygon, Feature or one-feature collection) or `--boundary-from FILE|buildings`. */
async function boundaryFlag(args: Args): Promise<BoundarySource | undefined> {
  const file = text(args, 'boundary');
  const from = text(args, 'boundary-from');
  if (file && from) throw new UsageError('give --boundary or --boundary-from, not both');
  const margin = args.flags.margin !== undefined ? numberFlag(args, 'margin', 30, 0, 5000) : undefined;
  if (file) {
    let g = await readJson(file, 'boundary') as Record<string, unknown>;
    if (g?.type === 'FeatureCollection' && Array.isArray(g.features) && g.features.length === 1) g = g.features[0] as Record<string, unknown>;
    if (g?.type === 'Feature') g = g.geometry as Record<string, unknown>;
    return { polygon: g };
  }
  if (from === 'buildings') return { fromBuildings: true, ...(margin !== undefined ? { margin } : {}) };
  if (from) return { footprints: await readJson(from, 'boundary'), ...(margin !== undefined ? { margin } : {}) };
  return undefined;
}

const line = (p: ParkInfo) =>
  `${p.code.padEnd(20)} ${p.name}  origin ${p.origin.lon.toFixed(6)},${p.origin.lat.toFixed(6)},${p.origin.height}  ` +
  `${(p.area / 10_000).toFixed(1)} ha  ${p.buildings} buildings`;

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

async function audited(db: Db, action: string, code: string, detail: Record<string, unknown>): Promise<void> {
  await db.transaction((tx) => appendAudit(tx, { action, outcome: 'success', actor: { kind: 'system', name: `cli:${osUser()}` }, object: `park:${code}`, source: 'cli', detail }, new Date()));
}

/** `twin park list|create|update|delete`: parks anywhere, not only the sample park. */
export const parkCommand: Command = {
  summary: 'list, create, edit and delete parks (origin, boundary drawn or derived from footprints)',
  usage: [
    'twin park list [--json]',
    '       twin park create --code CODE --name NAME [--name-en NAME] [--city CITY] [--origin LON,LAT[,H]]',
    '                        [--boundary polygon.geojson | --boundary-from footprints.geojson [--margin M]] [--json]',
    '       twin park update CODE [--name ..] [--origin ..] [--boundary ..| --boundary-from footprints.geojson|buildings [--margin M]] [--json]',
    '       twin park delete CODE --yes [--json]',
  ].join('\n'),
  async run(args: Args) {
    const [sub, code, ...extra] = args.positional;
    if (!sub || !(sub in FLAGS)) throw new UsageError(sub ? `unknown subcommand ${JSON.stringify(sub)}` : 'say what to do: list, create, update or delete');
    for (const f of Object.keys(args.flags)) if (!FLAGS[sub]!.includes(f)) throw new UsageError(`unknown option --${f} for park ${sub}`);
    if (extra.length > 0 || (sub !== 'update' && sub !== 'delete' && code !== undefined)) throw new UsageError(`unexpected arguments: ${[code, ...extra].filter(Boolean).join(' ')}`);
    if ((sub === 'update' || sub === 'delete') && !code) throw new UsageError(`park ${sub} needs the park code`);
    if (sub === 'delete' && args.flags.yes !== true) throw new UsageError('park delete removes the park with all its buildings, rooms, equipment and tiles: confirm with --yes');
    const json = args.flags.json === true;
    const config = loadConfig();
    const db = await openDb(config.db);
    try {
      await migrate(db);
      if (sub === 'list') {
        const parks = await listParkInfos(db);
        if (json) console.log(JSON.stringify({ ok: true, parks }, null, 2));
        else if (parks.length === 0) console.log('no parks: create one with `twin park create` or run `twin seed`');
        else for (const p of parks) console.log(line(p));
        return 0;
      }
      if (sub === 'create') {
        const c = text(args, 'code');
        const name = text(args, 'name');
        if (!c || !name) throw new UsageError('park create needs --code and --name');
        const origin = originFlag(args);
        const boundary = await boundaryFlag(args);
        const nameEn = text(args, 'name-en');
        const city = text(args, 'city');
        const p = await createPark(db, { code: c, name, ...(nameEn ? { nameEn } : {}), ...(city ? { city } : {}), ...(origin ? { origin } : {}), ...(boundary ? { boundary } : {}) });
        await audited(db, 'park.create', p.code, { name: p.name, origin: p.origin, area: p.area });
        if (json) console.log(JSON.stringify({ ok: true, park: p }, null, 2));
        else console.log(`created ${line(p)}`);
        return 0;
      }
      if (sub === 'update') {
        const origin = originFlag(args);
        const boundary = await boundaryFlag(args);
        const name = text(args, 'name');
        const nameEn = text(args, 'name-en');
        const city = text(args, 'city');
        const r = await updatePark(db, code!, { ...(name ? { name } : {}), ...(nameEn ? { nameEn } : {}), ...(city ? { city } : {}), ...(origin ? { origin } : {}), ...(boundary ? { boundary } : {}) });
        await audited(db, 'park.update', code!, { fields: Object.keys(args.flags).filter((f) => f !== 'json'), retile: r.retile });
        if (json) console.log(JSON.stringify({ ok: true, park: r.park, retile: r.retile }, null, 2));
        else console.log(`updated ${line(r.park)}${r.retile ? ' (origin moved: the tiles are rebuilt)' : ''}`);
        return 0;
      }
      const r = await deletePark(db, code!, config.tilesetDir);
      await audited(db, 'park.delete', code!, { buildings: r.buildings });
      if (json) console.log(JSON.stringify({ ok: true, park: code, buildings: r.buildings }, null, 2));
      else console.log(`deleted park ${code} (${r.buildings} buildings) and its tiles`);
      return 0;
    } catch (e) {
      if (!(e instanceof ParkError)) throw e;
      if (json) console.log(JSON.stringify({ ok: false, error: { status: e.status, message: e.message } }, null, 2));
      else console.error(`park ${sub}: ${e.message}`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
