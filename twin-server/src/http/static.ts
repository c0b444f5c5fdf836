import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type Koa from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json', '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm', '.woff2': 'font/woff2', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8',
  '.subtree': 'application/octet-stream', '.bin': 'application/octet-stream', '.ktx2': 'image/ktx2',
};

/** Options of a static directory mount. */
export interface StaticOptions {
  /** URL prefix, e.g. '/tiles'. */
  prefix: string;
  /** Files whose names match are content-hashed: cache for a year, immutable. */
  immutable?: RegExp;
  /** Serve this file (relative to root) for unknown paths without an extension (SPA routes). */
  spaFallback?: string;
  /** Paths under these prefixes never get the SPA fallback (an API typo must be a JSON 404, not HTML). */
  noFallbackUnder?: readonly string[];
}

/**
 * Serves files under `root` with strong ETags and conditional GET. Paths are resolved and checked
 * to stay inside root, so `..` cannot escape.
 */
export function serveDir(root: () => string, opts: StaticOptions): Koa.Middleware {
  const etags = new Map<string, { mtimeMs: number; size: number; etag: string }>();
  return async (ctx, next) => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !ctx.path.startsWith(opts.prefix)) return next();
    const base = path.resolve(root());
    let rel = '';
    try {
      rel = decodeURIComponent(ctx.path.slice(opts.prefix.length)).replace(/^\/+/, '');
    } catch {
      ctx.throw(400, 'malformed path');
    }
    let file = path.resolve(base, rel || 'index.html');
    if (file !== base && !file.startsWith(base + path.sep)) ctx.throw(400, 'path escapes the served folder');
    let stat = await fs.stat(file).catch(() => null);
    if (stat?.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = await fs.stat(file).catch(() => null);
    }
    const fallbackAllowed = !(opts.noFallbackUnder ?? []).some((p) => ctx.path === p || ctx.path.startsWith(`${p}/`));
    if (!stat && opts.spaFallback && fallbackAllowed && !path.extname(rel)) {
      file = path.join(base, opts.spaFallback);
      stat = await fs.stat(file).catch(() => null);
    }
    if (!stat || !stat.isFile()) return next();
    let tag = etags.get(file);
    if (!tag || tag.mtimeMs !== stat.mtimeMs || tag.size !== stat.size) {
      const hash = createHash('sha1').update(await fs.readFile(file)).digest('base64url').slice(0, 22);
      tag = { mtimeMs: stat.mtimeMs, size: stat.size, etag: `"${hash}"` };
      etags.set(file, tag);
    }
    ctx.set('ETag', tag.etag);
    // Files served to an authenticated principal (tiles) may be kept by the browser, never by a shared cache.
    const scope = (ctx.state as { principal?: unknown } | undefined)?.principal ? 'private' : 'public';
    ctx.set(
      'Cache-Control',
      opts.immutable?.test(path.basename(file)) ? `${scope}, max-age=31536000, immutable` : (scope === 'private' ? 'private, no-cache' : 'no-cache'),
    );
    ctx.type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    if (ctx.get('If-None-Match') === tag.etag) {
      ctx.status = 304;
      return;
    }
    ctx.length = stat.size;
    ctx.body = ctx.method === 'HEAD' ? null : (await import('node:fs')).createReadStream(file);
  };
}
