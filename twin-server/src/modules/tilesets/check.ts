/**
 * Structure checks of a third-party 3D Tiles tileset in a folder (after an upload is extracted, or
 * for a same-host path): the root tileset.json, every tile's content (1.0 b3dm/i3dm/pnts/cmpt,
 * 1.1 glb, multiple contents, external tilesets, implicit tiling with subtrees), each file's magic
 * bytes. Problems that make the layer unusable are errors (the upload is refused); content files
 * absent from the folder are reported as missing (the layer shows what loads).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** What the check found. */
export interface TilesetCheck {
  /** `asset.version` of the root tileset. */
  version: string;
  /** Content files present and of the right kind. */
  contents: number;
  /** Content files counted by format (b3dm, i3dm, pnts, cmpt, glb, gltf, subtree, json). */
  formats: Record<string, number>;
  /** Referenced content files that are not in the folder (relative paths). */
  missing: string[];
  /** Reasons the tileset cannot be used (the upload is refused when any). */
  errors: string[];
  /** The root tile's transform, when it has one (column-major 4x4). */
  rootTransform: number[] | null;
  /** Whether the root is placed on the globe (an ECEF transform or a region bounding volume). */
  georeferenced: boolean;
}

const MAGIC: Record<string, string> = { '.b3dm': 'b3dm', '.i3dm': 'i3dm', '.pnts': 'pnts', '.cmpt': 'cmpt', '.glb': 'glTF', '.subtree': 'subt' };
const MAX_EXTERNAL_DEPTH = 10;
const MAX_TILES = 200_000;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the first 4 bytes of a file, or null when it does not exist. */
async function head4(file: string): Promise<string | null> {
  const h = await fs.open(file, 'r').catch(() => null);
  if (!h) return null;
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await h.read(b, 0, 4, 0);
    return b.subarray(0, bytesRead).toString('latin1');
  } finally {
    await h.close();
  }
}

/** A content URI resolved inside `root`, or an error message. */
function resolveUri(root: string, baseDir: string, uri: unknown): { file: string; rel: string } | { error: string } {
  if (typeof uri !== 'string' || uri.length === 0) return { error: `content uri ${JSON.stringify(uri)} is not a path` };
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) return { error: `content ${uri} is a URL; a layer must hold all its files (nothing is fetched from outside)` };
  let clean: string;
  try {
    clean = decodeURIComponent(uri.split(/[?#]/)[0]!);
  } catch {
    return { error: `content uri ${JSON.stringify(uri)} is not valid` };
  }
  const file = path.resolve(baseDir, clean);
  if (file !== root && !file.startsWith(root + path.sep)) return { error: `content ${uri} points outside the tileset folder` };
  return { file, rel: path.relative(root, file).split(path.sep).join('/') };
}

function checkVolume(bv: unknown, where: string, errors: string[]): void {
  if (!isObj(bv)) {
    errors.push(`${where}: boundingVolume is missing`);
    return;
  }
  const ok = (k: string, n: number) => Array.isArray(bv[k]) && (bv[k] as unknown[]).length === n && (bv[k] as unknown[]).every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!(ok('box', 12) || ok('region', 6) || ok('sphere', 4))) errors.push(`${where}: boundingVolume must have a box (12 numbers), region (6) or sphere (4)`);
}

/** Checks the tileset whose root JSON is `rootFile` inside `root` (an absolute folder). */
export async function checkTileset(root: string, rootFile = 'tileset.json'): Promise<TilesetCheck> {
  const out: TilesetCheck = { version: '', contents: 0, formats: {}, missing: [], errors: [], rootTransform: null, georeferenced: false };
  const seen = new Set<string>();
  let tiles = 0;

  const content = async (baseDir: string, uri: unknown, where: string, depth: number) => {
    const r = resolveUri(root, baseDir, uri);
    if ('error' in r) {
      out.errors.push(`${where}: ${r.error}`);
      return;
    }
    if (seen.has(r.rel)) return;
    seen.add(r.rel);
    const ext = path.extname(r.file).toLowerCase();
    if (ext === '.json') {
      // An external tileset.
      if (depth >= MAX_EXTERNAL_DEPTH) {
        out.errors.push(`${r.rel}: external tilesets nest deeper than ${MAX_EXTERNAL_DEPTH}`);
        return;
      }
      const exists = await fs.stat(r.file).then((s) => s.isFile(), () => false);
      if (!exists) {
        out.missing.push(r.rel);
        return;
      }
      await tileset(r.file, r.rel, depth + 1);
      return;
    }
    const magic = await head4(r.file);
    if (magic === null) {
      out.missing.push(r.rel);
      return;
    }
    const want = MAGIC[ext];
    if (want && magic !== want) {
      out.errors.push(`${r.rel}: is not a ${ext.slice(1)} file (it starts with ${JSON.stringify(magic)}, a ${ext.slice(1)} starts with "${want}")`);
      return;
    }
    if (!want && ext !== '.gltf') {
      out.errors.push(`${r.rel}: unknown content type ${JSON.stringify(ext || '(no extension)')}; 3D Tiles contents are b3dm, i3dm, pnts, cmpt, glb, gltf or json`);
      return;
    }
    out.contents++;
    const k = ext.slice(1);
    out.formats[k] = (out.formats[k] ?? 0) + 1;
  };

  /** Implicit tiling: the root subtree must be there; contents are the files matching the template. */
  const implicit = async (baseDir: string, tile: Record<string, unknown>, where: string) => {
    const it = tile.implicitTiling as Record<string, unknown>;
    const scheme = it.subdivisionScheme;
    if (scheme !== 'QUADTREE' && scheme !== 'OCTREE') out.errors.push(`${where}.implicitTiling: subdivisionScheme must be QUADTREE or OCTREE`);
    if (typeof it.subtreeLevels !== 'number' || typeof it.availableLevels !== 'number') out.errors.push(`${where}.implicitTiling: subtreeLevels and availableLevels must be numbers`);
    const tpl = isObj(it.subtrees) ? it.subtrees.uri : undefined;
    if (typeof tpl !== 'string') {
      out.errors.push(`${where}.implicitTiling: subtrees.uri template is missing`);
      return;
    }
    const rootSubtree = tpl.replace(/\{level\}/g, '0').replace(/\{x\}/g, '0').replace(/\{y\}/g, '0').replace(/\{z\}/g, '0');
    const r = resolveUri(root, baseDir, rootSubtree);
    if ('error' in r) {
      out.errors.push(`${where}.implicitTiling: ${r.error}`);
      return;
    }
    const magic = await head4(r.file);
    if (magic === null) out.errors.push(`${where}.implicitTiling: the root subtree ${r.rel} is not in the folder`);
    else if (magic !== 'subt' && !r.file.endsWith('.json')) out.errors.push(`${r.rel}: is not a subtree file (it starts with ${JSON.stringify(magic)})`);
    else out.formats.subtree = (out.formats.subtree ?? 0) + 1;
    // Content files: those matching the content template (which of them exist is in the subtrees' bitstreams).
    const contents = [tile.content, ...(Array.isArray(tile.contents) ? tile.contents : [])].filter(isObj);
    for (const c of contents) {
      if (typeof c.uri !== 'string') continue;
      const ctpl = resolveUri(root, baseDir, c.uri.replace(/\{(level|x|y|z)\}/g, '0'));
      if ('error' in ctpl) {
        out.errors.push(`${where}.content: ${ctpl.error}`);
        continue;
      }
      const rel = path.relative(root, path.resolve(baseDir, c.uri)).split(path.sep).join('/');
      const dir = path.dirname(path.resolve(baseDir, c.uri));
      const re = new RegExp(`^${path.basename(c.uri).replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(level|x|y|z)\\?\}/g, '\\d+')}$`);
      const files = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => re.test(f));
      if (files.length === 0) out.missing.push(rel);
      for (const f of files.sort()) await content(dir, f, where, 0);
    }
  };

  const tile = async (baseDir: string, t: unknown, where: string, depth: number): Promise<void> => {
    if (++tiles > MAX_TILES) {
      if (tiles === MAX_TILES + 1) out.errors.push(`more than ${MAX_TILES} explicit tiles`);
      return;
    }
    if (!isObj(t)) {
      out.errors.push(`${where}: is not a tile object`);
      return;
    }
    checkVolume(t.boundingVolume, where, out.errors);
    if (typeof t.geometricError !== 'number' || !(t.geometricError >= 0)) out.errors.push(`${where}: geometricError must be a number ≥ 0`);
    if (t.transform !== undefined && !(Array.isArray(t.transform) && t.transform.length === 16 && t.transform.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
      out.errors.push(`${where}: transform must be 16 numbers`);
    }
    if (isObj(t.implicitTiling)) {
      await implicit(baseDir, t, where);
      return;
    }
    const cs = [t.content, ...(Array.isArray(t.contents) ? t.contents : [])].filter((c) => c !== undefined);
    for (const c of cs) {
      // 1.0 "uri"; pre-1.0 tilesets wrote "url".
      const uri = isObj(c) ? (c.uri ?? c.url) : undefined;
      await content(baseDir, uri, `${where}.content`, depth);
    }
    if (t.children !== undefined && !Array.isArray(t.children)) out.errors.push(`${where}: children must be an array`);
    const kids = Array.isArray(t.children) ? t.children : [];
    for (let i = 0; i < kids.length; i++) await tile(baseDir, kids[i], `${where}.children[${i}]`, depth);
  };

  const tileset = async (file: string, rel: string, depth: number): Promise<void> => {
    let doc: unknown;
    try {
      doc = JSON.parse((await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
    } catch (e) {
      out.errors.push(`${rel}: is not valid JSON (${(e as Error).message.slice(0, 120)})`);
      return;
    }
    if (!isObj(doc) || !isObj(doc.asset) || typeof doc.asset.version !== 'string') {
      out.errors.push(`${rel}: is not a 3D Tiles tileset (no asset.version)`);
      return;
    }
    if (!['1.0', '1.1', '0.0'].includes(doc.asset.version)) out.errors.push(`${rel}: asset.version ${JSON.stringify(doc.asset.version)} is not 1.0 or 1.1`);
    if (depth === 0) out.version = doc.asset.version;
    if (typeof doc.geometricError !== 'number') out.errors.push(`${rel}: geometricError is missing`);
    if (!isObj(doc.root)) {
      out.errors.push(`${rel}: has no root tile`);
      return;
    }
    if (depth === 0) {
      const tr = doc.root.transform;
      out.rootTransform = Array.isArray(tr) && tr.length === 16 ? (tr as number[]) : null;
      const t = out.rootTransform;
      const onGlobe = t !== null && Math.hypot(t[12]!, t[13]!, t[14]!) > 6_000_000;
      const region = isObj(doc.root.boundingVolume) && Array.isArray(doc.root.boundingVolume.region);
      out.georeferenced = onGlobe || region;
    }
    await tile(path.dirname(file), doc.root, depth === 0 ? 'root' : `${rel} root`, depth);
  };

  const rootPath = path.join(root, rootFile);
  const exists = await fs.stat(rootPath).then((s) => s.isFile(), () => false);
  if (!exists) {
    out.errors.push(`${rootFile}: not found at the top of the tileset`);
    return out;
  }
  await tileset(rootPath, rootFile, 0);
  if (out.errors.length === 0 && out.contents === 0) out.errors.push('no content file of the tileset is present: nothing would be drawn');
  out.missing.sort();
  return out;
}
