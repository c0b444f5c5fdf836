#!/usr/bin/env node
// `twin <command>`: runs the TypeScript CLI in this same process through tsx's loader, so
// signals (Ctrl-C, SIGTERM from a supervisor) reach the server's own shutdown handlers.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/main.ts');
await import(pathToFileURL(main).href);
