/**
 * The soak's bare DevTools client (cdp.ts) in real headless Chromium: it opens a page at the size
 * asked for, evaluates in it, reads the heap, and counts every kind of page error the soak's
 * "no console errors" target is about (console.error, an uncaught exception, a failed resource
 * load), and it never turns on the Network domain (whose buffer would grow during a soak).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openCdpPage, type CdpPage } from '../../../test/cdp.ts';

const PAGE = `<!doctype html><title>cdp</title><body><script>
  window.ready = true;
  setTimeout(() => console.error('boom', 42), 50);
  setTimeout(() => { throw new Error('uncaught one'); }, 60);
  setTimeout(() => { const i = new Image(); i.src = '/missing.png'; }, 70);
</script></body>`;

describe.skipIf(inject('chromiumMissing') !== null)('bare DevTools page (soak driver)', () => {
  let server: http.Server;
  let page: CdpPage;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/') res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    page = await openCdpPage(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { width: 800, height: 500 });
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    server?.close();
  });

  it('opens the page at the asked size and evaluates in it', async () => {
    await page.waitFor('window.ready === true', 10_000);
    expect(await page.evaluate<[number, number]>('[innerWidth, innerHeight]')).toEqual([800, 500]);
    expect(page.version).toMatch(/Chrome\/\d+/);
    await expect(page.evaluate('(() => { throw new Error("nope"); })()')).rejects.toThrow(/nope/);
    await expect(page.waitFor('false', 300, 50)).rejects.toThrow(/timed out/);
  });

  it('counts console errors, uncaught exceptions and failed loads', async () => {
    await page.waitFor('true', 0);
    for (const end = Date.now() + 10_000; page.errors.length < 3 && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
    const text = page.errors.join('\n');
    expect(text).toContain('boom 42');
    expect(text).toMatch(/pageerror: .*uncaught one/);
    expect(text).toMatch(/404|missing\.png/);
    expect(requests).toContain('/missing.png');
  });

  it('reads the heap and takes a snapshot without the Network domain', async () => {
    await page.send('HeapProfiler.collectGarbage');
    const { usedSize } = await page.send<{ usedSize: number }>('Runtime.getHeapUsage');
    expect(usedSize).toBeGreaterThan(100_000);
    let bytes = 0;
    const off = page.on('HeapProfiler.addHeapSnapshotChunk', (e) => { bytes += (e.chunk as string).length; });
    await page.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    off();
    expect(bytes).toBeGreaterThan(100_000);
    // Network was never enabled on this session, so it can be disabled without ever having buffered anything;
    // the check that matters is that no Network event ever reached us.
    let networkEvents = 0;
    const offNet = page.on('Network.requestWillBeSent', () => networkEvents++);
    await page.evaluate('fetch("/again").then(() => 1, () => 0)');
    offNet();
    expect(networkEvents).toBe(0);
    expect(requests).toContain('/again');
  });
});
