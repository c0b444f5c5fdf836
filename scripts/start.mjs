#!/usr/bin/env node
// `npm start`: build what is missing or stale (equipment models, client bundle), then run
// `twin serve`, which migrates, seeds the sample park on first start, builds tiles and serves.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const step = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

const built = step(process.execPath, [path.join(root, 'scripts/build-if-stale.mjs')]);
if (built !== 0) process.exit(built);
process.exit(step(path.join(root, 'node_modules/.bin/tsx'), ['twin-server/src/main.ts', 'serve', ...process.argv.slice(2)]));
