/**
 * The drill suite of issue 21 (`npm run drills`, also in .ci/run): each drill is a real process
 * (scripts in test/cluster/, two vitest files) run one after another; their figure lines are
 * collected into a summary at the end. Exits 1 when a drill fails. Figures: docs/reliability.md.
 *
 *   npx tsx test/cluster/drills.ts [--only failover,ingest-embedded,ingest,pg-failover,pgbackrest,backup,security]
 *
 * Needs PostgreSQL at TWIN_TEST_PG_URL, mosquitto at TWIN_TEST_MQTT_URL, and the Debian packages
 * haproxy, postgresql-15-auto-failover, pgbackrest, mosquitto, openssl.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const tsx = (file: string, ...args: string[]) => [process.execPath, '--import', 'tsx', file, ...args];
const vitest = (file: string) => [process.execPath, path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', file];

interface Drill {
  readonly name: string;
  readonly mustShow: string;
  readonly cmd: string[];
  readonly env?: Record<string, string>;
  /** Lines of the output that carry the figures. */
  readonly figures: RegExp;
  /** Run only when named with --only. */
  readonly optional?: boolean;
}

const DRILLS: Drill[] = [
  { name: 'failover', mustShow: '1. kill -9 the active node 5x, 5k msg/s, 20 WebSocket clients behind HAProxy', cmd: tsx('test/cluster/drill.ts', '--rate', '5000', '--clients', '20', '--kills', '5'), figures: /^\[drill\]/ },
  // The embedded broker's kill test (twin-server/src/ingest/crash.test.ts, 3 kills) runs in npm test; run it with
  // TWIN_TEST_KILLS=10 by hand (`--only ingest-embedded`): kept out of the default suite for CI time.
  { name: 'ingest-embedded', optional: true, mustShow: '2. kill -9 ingest 10x during a QoS 1 stream (embedded broker + PGlite)', cmd: vitest('twin-server/src/ingest/crash.test.ts'), env: { TWIN_TEST_KILLS: '10' }, figures: /^\[embedded, kill -9|Tests .*(passed|failed)/ },
  { name: 'ingest', mustShow: '2 and 5. kill -9 ingest 10x, then the only ingest node stopped 60 s, QoS 1 at 200 msg/s (mosquitto + PostgreSQL)', cmd: tsx('test/cluster/ingest-drill.ts', '--kills', '10', '--outage', '60', '--rate', '200'), figures: /^\[ingest\]/ },
  // Runs here only: vitest.config.ts leaves it out of npm test unless TWIN_DRILL=1.
  { name: 'pg-failover', mustShow: '3. kill the PostgreSQL primary (pg_auto_failover, synchronous replication)', cmd: vitest('test/cluster/pg-failover.test.ts'), env: { TWIN_DRILL: '1' }, figures: /^\[pg-failover\]|Tests .*(passed|failed)/ },
  { name: 'pgbackrest', mustShow: '4. pgBackRest: backup, drop the database, restore, checksums; corrupted backup refused', cmd: tsx('test/cluster/pgbackrest-drill.ts'), figures: /^\[pgbackrest\] (ok|FAIL|backups|passed|FAILED)/ },
  { name: 'backup', mustShow: '4. embedded twin backup / twin restore round trip; corrupted archive refused', cmd: tsx('test/cluster/backup-drill.ts'), figures: /^\[backup\]/ },
  { name: 'security', mustShow: '6. MQTT refusals counted, ACL, TLS; start beyond loopback without certificates', cmd: tsx('test/cluster/security-drill.ts'), figures: /^\[security\]/ },
];

/** Minutes a drill may run before it is killed and counted as failed. */
const DRILL_LIMIT_MIN = Number(process.env.TWIN_DRILL_LIMIT_MIN ?? 12);

const i = process.argv.indexOf('--only');
const only = i > 0 ? new Set(process.argv[i + 1]!.split(',')) : null;
if (only) for (const n of only) if (!DRILLS.some((d) => d.name === n)) throw new Error(`no drill ${n}: ${DRILLS.map((d) => d.name).join(', ')}`);
const results: { drill: Drill; code: number | null; seconds: number; figures: string[] }[] = [];
// eslint-disable-next-line no-control-regex -- ANSI colour codes of vitest's output
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

for (const drill of DRILLS.filter((d) => (only ? only.has(d.name) : !d.optional))) {
  console.log(`\n=== drill ${drill.name}: ${drill.mustShow}`);
  const t0 = performance.now();
  const figures: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(drill.cmd[0]!, drill.cmd.slice(1), { cwd: ROOT, env: { ...process.env, ...drill.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // A drill that hangs fails after its limit (its whole process group is killed) instead of holding CI.
    const limit = setTimeout(() => {
      figures.push(`timed out after ${DRILL_LIMIT_MIN} min`);
      console.log(`drill ${drill.name}: timed out after ${DRILL_LIMIT_MIN} min, killing it`);
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, DRILL_LIMIT_MIN * 60_000);
    child.once('exit', () => clearTimeout(limit));
    let carry = '';
    const onData = (d: Buffer, to: NodeJS.WriteStream) => {
      to.write(d);
      const text = carry + strip(d.toString());
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const l of lines) if (drill.figures.test(l.trim())) figures.push(l.trim());
    };
    child.stdout.on('data', (d: Buffer) => onData(d, process.stdout));
    child.stderr.on('data', (d: Buffer) => onData(d, process.stderr));
    child.once('exit', (c) => resolve(c));
  });
  results.push({ drill, code, seconds: (performance.now() - t0) / 1000, figures });
}

console.log('\n=== drill summary (docs/reliability.md)');
for (const r of results) {
  console.log(`${r.code === 0 ? 'PASS' : 'FAIL'} ${r.drill.name} (${r.seconds.toFixed(0)} s): ${r.drill.mustShow}`);
  for (const f of r.figures) console.log(`     ${f}`);
}
const total = results.reduce((s, r) => s + r.seconds, 0);
console.log(`${results.filter((r) => r.code === 0).length} of ${results.length} drills passed in ${(total / 60).toFixed(1)} min`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
