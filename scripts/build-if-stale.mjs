#!/usr/bin/env node
// Builds the client (and equipment models) when twin-client/dist is missing or older than its sources.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Newest mtime under the given folders, skipping node_modules, dist and dot-folders. */
export function newest(dirs) {
  let max = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else max = Math.max(max, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return max;
}

const stamp = path.join(root, 'twin-client/dist/index.html');
const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
const sources = Math.max(newest(['twin-client', 'layers', 'models/scripts']), fs.statSync(path.join(root, 'vite.config.ts')).mtimeMs);
if (built < sources) {
  console.log('Building the client (missing or sources changed)...');
  // Always a production bundle: under vitest NODE_ENV=test would otherwise leak into the build.
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
