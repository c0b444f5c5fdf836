/**
 * Test helpers of the leasing module (used by the route contract test): a prospect, an
 * opportunity, a guest link and a unit photo made through the API.
 */
import sharp from 'sharp';
import type { HttpClient } from '../../auth/testing.ts';

/** A valid prospect body. */
export const SAMPLE_PROSPECT = { company: '契约测试科技有限公司', contact: '王经理', source: 'event', industry: 'software', needArea: 300 } as const;

async function created<T>(r: Promise<{ status: number; text: string; body: unknown }>, what: string): Promise<T> {
  const x = await r;
  if (x.status !== 201) throw new Error(`${what} not created: ${x.status} ${x.text}`);
  return x.body as T;
}

/** Creates a prospect as `client` (leasing:write). */
export const newProspect = (client: HttpClient) =>
  created<{ id: number; version: number }>(client.req('POST', '/api/leasing/prospects', { data: SAMPLE_PROSPECT }), 'prospect');

/** Creates a prospect and an opportunity for it as `client` (leasing:write). */
export async function newOpportunity(client: HttpClient): Promise<{ id: number; version: number }> {
  const p = await newProspect(client);
  return created(client.req('POST', '/api/leasing/opportunities', { data: { title: '契约测试商机', prospectId: p.id, area: 300 } }), 'opportunity');
}

/** Creates a guest link of `units` as `client` (leasing:write). */
export const newGuestLink = (client: HttpClient, units: number[]) =>
  created<{ id: number; token: string }>(client.req('POST', '/api/leasing/guest-links', { title: '契约测试', units, days: 7 }), 'guest link');

/** A small real PNG (decodable, so the photo route accepts it). */
export const photoPng = (): Promise<Buffer> => sharp({ create: { width: 64, height: 48, channels: 3, background: '#48a' } }).png().toBuffer();
