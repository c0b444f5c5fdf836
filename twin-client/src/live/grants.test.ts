/**
 * The live client asks only for the layers the server allows (welcome.allowed), records the
 * layers a server dropped (subscribed.denied), and with nothing readable asks for nothing and
 * shows "refused" instead of being refused (and audited) by the hub.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ClientMessage, type LayerName, type ServerMessage } from '@park-twin/layers/protocol.ts';
import { LiveStore } from './store.ts';
import { LiveClient, type SocketLike } from './client.ts';

/** A socket the test drives by hand; it keeps what the client sent. */
function fakeSocket() {
  const sent: ClientMessage[] = [];
  const sock: SocketLike = {
    binaryType: '', readyState: 1,
    send: (d) => sent.push(JSON.parse(d) as ClientMessage),
    close: () => {}, onopen: null, onclose: null, onerror: null, onmessage: null,
  };
  const serve = (m: ServerMessage) => sock.onmessage?.({ data: JSON.stringify(m) });
  return { sock, sent, serve };
}

const welcome = (allowed?: LayerName[]): ServerMessage => ({
  type: 'welcome', version: PROTOCOL_VERSION, epoch: 1, seq: 0, serverTime: 0,
  layers: ['occupancy', 'equipment', 'security', 'energy', 'economy'], ...(allowed ? { allowed } : {}),
});

describe('live client layer grants', () => {
  it('subscribes to the wanted layers the server allows, and keeps what it dropped', () => {
    const f = fakeSocket();
    const c = new LiveClient({ url: 'ws://x', store: new LiveStore(8), layers: ['occupancy', 'security', 'energy'], socket: () => f.sock, heartbeatMs: 0 });
    f.sock.onopen?.({});
    f.serve(welcome(['occupancy', 'equipment', 'energy']));
    expect(f.sent.filter((m) => m.type === 'subscribe')).toEqual([{ type: 'subscribe', layers: ['occupancy', 'energy'] }]);
    expect(c.subscribedLayers).toEqual(['occupancy', 'energy']);
    f.serve({ type: 'subscribed', layers: ['occupancy'], mode: 'snapshot', seq: 0, denied: ['energy'] });
    expect(c.status).toBe('live');
    expect(c.denied).toEqual(['energy']);
    c.close();
  });

  it('asks a server that does not say (no allowed field) for everything wanted', () => {
    const f = fakeSocket();
    const c = new LiveClient({ url: 'ws://x', store: new LiveStore(8), layers: ['occupancy', 'security'], socket: () => f.sock, heartbeatMs: 0 });
    f.serve(welcome());
    expect(f.sent.find((m) => m.type === 'subscribe')).toEqual({ type: 'subscribe', layers: ['occupancy', 'security'] });
    c.close();
  });

  it('with no readable layer asks for nothing and shows refused', () => {
    const f = fakeSocket();
    const c = new LiveClient({ url: 'ws://x', store: new LiveStore(8), layers: ['security'], socket: () => f.sock, heartbeatMs: 0 });
    f.serve(welcome(['occupancy']));
    expect(f.sent.some((m) => m.type === 'subscribe')).toBe(false);
    expect(c.status).toBe('refused');
    c.close();
  });
});
