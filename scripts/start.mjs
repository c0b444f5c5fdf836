#!/usr/bin/env node
// `npm start`: build what is missing or stale (equipment models, client bundle), then run
// `twin serve`, which migrates, seeds the sample park on first start, builds tiles and serves.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

/** Newest mtime under the given folders (skipping node_modules and dist). */
function newest(dirs) {
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
if (built < newest(['twin-client', 'layers', 'models/scripts']) || built < fs.statSync(path.join(root, 'vite.config.ts')).mtimeMs) {
  console.log('Building the client (first start or sources changed)...');
  run('npm', ['run', 'build', '--silent']);
}
const tsx = path.join(root, 'node_modules/.bin/tsx');
const r = spawnSync(tsx, ['twin-server/src/main.ts', 'serve', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
