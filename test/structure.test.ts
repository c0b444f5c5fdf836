/**
 * The shape of the code base: no import cycles in any workspace (madge, the same check as
 * `npx madge --circular --extensions ts,tsx twin-server/src twin-client/src layers/src bench test`),
 * production code never imports a benchmark or a test harness, the client never imports server
 * code, and ESLint refuses such an import.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import madge from 'madge';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isTest = (f: string) => /\.test\.tsx?$/.test(f);
/** Test harness files that still live beside the code they start (imported by tests only). */
const isHarness = (f: string) => /(^|\/)testing(\.ts|\/)/.test(f) || /(^|\/)testing\.ts$/.test(f)
  // Route-contract cases (http/contract.ts and each module's contract.ts), collected by openapi.test.ts only.
  || /^twin-server\/src\/(http|modules\/[^/]+)\/contract\.ts$/.test(f);

describe('code structure', () => {
  let graph: Record<string, string[]>;
  let cycles: string[][];
  beforeAll(async () => {
    const res = await madge(['twin-server/src', 'twin-client/src', 'layers/src', 'models', 'bench', 'test'].map((d) => path.join(ROOT, d)), {
      baseDir: ROOT, fileExtensions: ['ts', 'tsx'], excludeRegExp: [/node_modules/, /\/dist\//, /\/out\//],
    });
    graph = res.obj();
    cycles = res.circular();
  }, 120_000);

  it('has no import cycles', () => {
    expect(Object.keys(graph).length).toBeGreaterThan(300);
    expect(cycles).toEqual([]);
  });

  it('production code imports no benchmark or test harness, and the client no server code', () => {
    const offences: string[] = [];
    for (const [file, deps] of Object.entries(graph)) {
      const prod = (file.startsWith('twin-server/src/') || file.startsWith('twin-client/src/') || file.startsWith('layers/src/')) && !isTest(file) && !isHarness(file);
      if (!prod) continue;
      for (const d of deps) {
        if (d.startsWith('bench/') || d.startsWith('test/') || isHarness(d)) offences.push(`${file} -> ${d}`);
        if (file.startsWith('twin-client/') && d.startsWith('twin-server/')) offences.push(`${file} -> ${d}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('ESLint fails on a client import of server code, except in tests that start a server', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const code = "import { loadConfig } from '../../../twin-server/src/config.ts';\nexport const c = loadConfig;\n";
    const [prod] = await eslint.lintText(code, { filePath: path.join(ROOT, 'twin-client/src/scene/leak.ts') });
    expect(prod!.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
    expect(prod!.messages.find((m) => m.ruleId === 'no-restricted-imports')!.message).toMatch(/never imports server code/);
    const [harness] = await eslint.lintText("import { startSceneServer } from '../../../test/scene-harness.ts';\nexport const s = startSceneServer;\n", { filePath: path.join(ROOT, 'twin-client/src/scene/leak.tsx') });
    expect(harness!.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
    const [test] = await eslint.lintText(code, { filePath: path.join(ROOT, 'twin-client/src/scene/leak.browser.test.ts') });
    expect(test!.messages.filter((m) => m.ruleId === 'no-restricted-imports')).toEqual([]);
  });
});
