/**
 * A stand-in for a server process in the parent-death test (video.orphans.test.ts): starts a
 * video gateway, watches the simulated cameras given on the command line, prints one JSON line
 * `{ pid, workDir, ffmpeg: [pids] }` once all are live, and then waits to be killed.
 * Arguments: <work dir> <camera count> [guard|noguard].
 */
import { createLogger } from '../../log.ts';
import { VideoGateway } from './gateway.ts';
import { videoSettings } from './settings.ts';

const [dir, count = '2', guard = 'guard'] = process.argv.slice(2);
if (!dir) throw new Error('usage: gateway-child.ts <dir> <count> [guard|noguard]');
const settings = videoSettings({}, { dir, segmentS: 1, maxTranscodes: 16, startTimeoutMs: 30_000, parentDeathGuard: guard === 'guard' });
const g = new VideoGateway(settings, createLogger('silent'));
await g.init();
const cams = Array.from({ length: Number(count) }, (_, i) => 1000 + i);
await Promise.all(cams.map((c) => g.watch(c, 'child', { kind: 'simulated', label: `CAM ${c} CHILD` })));
process.stdout.write(`${JSON.stringify({ pid: process.pid, workDir: g.workDir, ffmpeg: g.status().map((t) => t.pid) })}\n`);
setInterval(() => {}, 1 << 30);
