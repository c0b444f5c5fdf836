/**
 * Pre-framed delta frames (ws.ts): the hub's frame is wrapped in WebSocket framing once and the
 * same bytes are written to every subscriber's socket. The bytes must be exactly what `ws` itself
 * would send, arrive in order with messages sent through ws, and the shortcut must stand aside
 * whenever ws could not be bypassed safely (an extension such as permessage-deflate negotiated).
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import WebSocket, { WebSocketServer } from 'ws';
import { rawSocketOf, wsFramed } from './ws.ts';

/** ws's frame builder (exported by ws, not declared by its type definitions). */
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] } };

/** What ws itself puts on the wire for a final, unmasked binary message. */
function wsOwnFrame(payload: Buffer): Buffer {
  return Buffer.concat(Sender.frame(payload, { fin: true, opcode: 2, mask: false, readOnly: false, rsv1: false }));
}

describe('pre-framed binary messages', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  async function pair(perMessageDeflate: boolean): Promise<{ server: WebSocket; client: WebSocket; received: Array<{ data: Buffer; binary: boolean }> }> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const serverSide = new Promise<WebSocket>((r) => wss.once('connection', r));
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate });
    const received: Array<{ data: Buffer; binary: boolean }> = [];
    client.on('message', (data, binary) => received.push({ data: data as Buffer, binary }));
    await new Promise((r) => client.once('open', r));
    const server = await serverSide;
    closers.push(async () => {
      client.terminate();
      await new Promise((r) => wss.close(r));
    });
    return { server, client, received };
  }

  it('frames every payload length class exactly as ws does', () => {
    for (const n of [0, 1, 125, 126, 127, 65_535, 65_536, 70_001]) {
      const payload = Buffer.alloc(n, n % 251);
      expect(wsFramed(payload).equals(wsOwnFrame(payload)), `length ${n}`).toBe(true);
    }
  });

  it('frames a payload once, however many sockets it goes to', () => {
    const payload = new Uint8Array([1, 2, 3]);
    expect(wsFramed(payload)).toBe(wsFramed(payload));
  });

  it('arrives intact and in order with messages sent through ws', async () => {
    const { server, received } = await pair(false);
    const raw = rawSocketOf(server);
    expect(raw).not.toBeNull();
    const big = Buffer.alloc(70_000, 7);
    server.send('first');
    raw!.write(wsFramed(new Uint8Array([9, 8, 7])));
    server.send('middle');
    raw!.write(wsFramed(big));
    server.send(Buffer.from([1]), { binary: true });
    for (const end = Date.now() + 5_000; received.length < 5 && Date.now() < end;) await new Promise((r) => setTimeout(r, 10));
    expect(received.map((m) => (m.binary ? `bin:${m.data.length}` : `text:${m.data.toString()}`))).toEqual(['text:first', 'bin:3', 'text:middle', 'bin:70000', 'bin:1']);
    expect([...received[1]!.data]).toEqual([9, 8, 7]);
    expect(received[3]!.data.equals(big)).toBe(true);
  });

  it('stands aside when an extension is negotiated, and once the socket is closed', async () => {
    const { server } = await pair(true);
    expect(server.extensions).toContain('permessage-deflate');
    expect(rawSocketOf(server)).toBeNull();

    const plain = await pair(false);
    plain.server.terminate();
    expect(rawSocketOf(plain.server)).toBeNull();
  });
});
