/**
 * Ingest drill (issue 21 must-shows 2 and 5, PostgreSQL mode), a script:
 *
 *   npx tsx test/cluster/ingest-drill.ts [--rate 200] [--kills 10] [--outage 60]
 *
 * One twin-server process (test/cluster/node.ts) on a scratch PostgreSQL database and a mosquitto of
 * its own with the deployed settings (deploy/mosquitto/mosquitto.conf: no anonymous clients, the
 * platform's password file and ACL, persistence, queue sized for outages). The node logs in as
 * `twin-server`, the device as `PM-0` with credentials issued by the platform. The device publishes a
 * numbered QoS 1 stream at `--rate` msg/s (200: the sample park's simulator rate) for the whole run:
 *   - `--kills` times, the node is killed with SIGKILL and started again at once (must-show 2);
 *   - then the node is stopped (SIGTERM, as `systemctl stop`) for `--outage` s and started (must-show 5).
 * Afterwards every message the broker acknowledged to the device must be stored exactly once:
 * published = acknowledged = stored, 0 duplicates. Prints the figures; exits 1 otherwise.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '../../twin-server/src/db/scratch.ts';
import { insertLiveFixture } from '../../twin-server/src/stream/testing.ts';
import { Device } from '../../twin-server/src/ingest/outage-testing.ts';
import { MqttCredentials, SERVER_IDENTITY, withCredentials } from '../../twin-server/src/ingest/identity.ts';
import { startCluster } from './harness.ts';
import { startDrillMosquitto } from './mosquitto.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RATE = arg('rate', 200);
const KILLS = arg('kills', 10);
const OUTAGE_S = arg('outage', 60);
const PG = process.env.TWIN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => console.log(`[ingest] ${m}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'twin-ingest-drill-'));
const creds = new MqttCredentials(path.join(dir, 'creds'));
const serverPw = creds.issue(SERVER_IDENTITY);
const devicePw = creds.issue('PM-0');
const broker = await startDrillMosquitto(path.join(dir, 'mosquitto'), path.join(dir, 'creds'));
const scratch = await createScratchDatabase(PG, 'twin_test');
const park = `ing${randomBytes(3).toString('hex')}`;
await insertLiveFixture(scratch.db, park);
process.env.CLUSTER_SESSION_EXPIRY = String(OUTAGE_S * 10 + 600);
const cluster = await startCluster({ dbUrl: scratch.url, mqttUrl: withCredentials(broker.url, SERVER_IDENTITY, serverPw), names: ['a'] });
const node = cluster.nodes[0]!;
let failed = false;
let dev: Device | undefined;
try {
  dev = await Device.connect(withCredentials(broker.url, 'PM-0', devicePw), `park/${park}/energy/PM-0`, `drill-dev-${randomBytes(3).toString('hex')}`);
  let publishing = true;
  const t0 = performance.now();
  const publisher = (async () => {
    let n = 0;
    while (publishing) {
      const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
      while (n < due) dev!.publish(++n);
      await sleep(5);
    }
  })();
  const stored = async (): Promise<{ rows: number; distinct: number }> => (await scratch.db.query<{ rows: number; distinct: number }>(
    'SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS distinct FROM telemetry WHERE device = $1', [`${park}/PM-0`])).rows[0]!;

  await sleep(2000);
  const starts: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    await cluster.kill('a');
    const s = performance.now();
    await cluster.start('a');
    starts.push(performance.now() - s);
    await sleep(1500);
  }
  log(`${KILLS} kill -9 + restart done at message #${dev.published} (node start ${(Math.min(...starts) / 1000).toFixed(1)}-${(Math.max(...starts) / 1000).toFixed(1)} s)`);
  await sleep(2000);

  // The node away for OUTAGE_S: stopped as systemd would (SIGTERM), its session and queue stay on the broker.
  const child = node.child!;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  await gone;
  node.child = null;
  const stoppedAt = dev.published;
  const before = await stored();
  log(`node stopped at message #${stoppedAt} (${before.rows} stored); away ${OUTAGE_S} s`);
  await sleep(OUTAGE_S * 1000);
  const queued = dev.published - before.rows;
  const back = performance.now();
  await cluster.start('a');
  // Caught up: everything published before the restart is stored.
  const target = dev.published;
  while ((await stored()).distinct < target && performance.now() - back < 120_000) await sleep(200);
  const catchUp = (performance.now() - back) / 1000;
  log(`node started after ${OUTAGE_S} s away with ~${queued} messages queued on the broker; caught up ${catchUp.toFixed(1)} s after the start`);
  await sleep(3000);
  publishing = false;
  await publisher;
  await dev.allAcked(60_000);
  const published = dev.published;
  const end = performance.now() + 60_000;
  let r = await stored();
  while (r.distinct < published && performance.now() < end) {
    await sleep(250);
    r = await stored();
  }
  const ok = dev.acked === published && r.rows === published && r.distinct === published && dev.errors.length === 0;
  failed = !ok;
  log(`${ok ? 'ok  ' : 'FAIL'} ${published} published at ${RATE}/s over ${((performance.now() - t0) / 1000).toFixed(0)} s, ${dev.acked} acknowledged by the broker, `
    + `${r.rows} stored (${r.distinct} distinct): lost ${published - r.distinct}, duplicates ${r.rows - r.distinct}; ${KILLS} kill -9 and one ${OUTAGE_S} s stop of the only ingest node`);
} catch (err) {
  failed = true;
  console.error('[ingest] drill failed:', err, '\n', node.output.slice(-2000));
} finally {
  await dev?.close().catch(() => {});
  await cluster.stop();
  await broker.stop();
  await scratch.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
