#!/usr/bin/env node
// `npm start`: build what is missing or stale (equipment models, client bundle), then run
// `twin serve` in this process, which migrates, seeds the sample park on first start, builds
// tiles and serves.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = spawnSync(process.execPath, [path.join(root, 'scripts/build-if-stale.mjs')], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const { register } = await import('tsx/esm/api');
register();
const main = path.join(root, 'twin-server/src/main.ts');
process.argv = [process.argv[0], main, 'serve', ...process.argv.slice(2)];
await import(pathToFileURL(main).href);
