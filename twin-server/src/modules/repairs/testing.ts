/**
 * Test helpers of the repairs module (used by its own tests and the route contract test): a
 * sample request body, creating a request, and a client that uploads raw bytes the way the
 * browser's file upload does (the attachments route takes the file as the request body).
 */
import { HttpClient, type Res } from '../../auth/testing.ts';

/** A valid new repair request's fields. */
export const SAMPLE_REPAIR = { title: '空调不制冷', category: 'hvac', urgency: 'urgent', description: '室温 29 度' } as const;

/** A tiny PNG-signed payload (the attachments route checks the signature of the declared type). */
export const PNG_BYTES = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

/** Reports a repair on `room` as `client`; throws unless it was created. */
export async function newRepair(client: HttpClient, room: number): Promise<{ id: number; version: number }> {
  const r = await client.req('POST', '/api/repairs', { objectIdx: room, data: SAMPLE_REPAIR });
  if (r.status !== 201) throw new Error(`repair not created: ${r.status} ${r.text}`);
  return r.body as { id: number; version: number };
}

/** A client sharing `from`'s session whose `req` sends `bytes` as the raw body with `type`. */
export function rawUploadClient(from: HttpClient, type: string, bytes: Buffer): HttpClient {
  class RawClient extends HttpClient {
    override async req(method: string, path: string): Promise<Res> {
      const res = await fetch(this.base + path, {
        method, body: bytes,
        headers: { 'Content-Type': type, 'X-CSRF-Token': this.cookies.get('twin_csrf') ?? '', Cookie: [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ') },
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, headers: res.headers, body, text };
    }
  }
  const c = new RawClient(from.base);
  for (const [k, v] of from.cookies) c.cookies.set(k, v);
  return c;
}
