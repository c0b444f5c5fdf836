/**
 * `npm run gen:api`: starts the server with every module over a throwaway embedded database,
 * builds the OpenAPI document of its live route table and writes the client's API types to
 * twin-client/src/api/generated.ts. Commit the result; the contract test fails when it is stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../twin-server/src/config.ts';
import { startServer } from '../twin-server/src/server.ts';
import { createLogger } from '../twin-server/src/log.ts';
import { buildOpenApi } from '../twin-server/src/http/openapi.ts';
import { generateClientTypes } from '../twin-server/src/http/openapi-client.ts';

const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../twin-client/src/api/generated.ts');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-gen-api-'));
try {
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', TWIN_SEED_ON_START: '0', TWIN_SIMULATOR: '0', TWIN_LOG_LEVEL: 'silent',
    TWIN_DATA_DIR: path.join(tmp, 'data'), TWIN_TILESET_DIR: path.join(tmp, 'tilesets'), TWIN_ADMIN_PASSWORD: 'Gen-Api-Throwaway-1',
  }, tmp);
  const server = await startServer(config, { log: createLogger('silent') });
  try {
    const src = await generateClientTypes(buildOpenApi(server.routes));
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, src);
    console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${server.routes.length} routes`);
  } finally {
    await server.close();
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
