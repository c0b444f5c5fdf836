/**
 * Guest links for prospects: a signed, expiring, revocable read-only link to a curated set of
 * units. The token is `<id>.<expiry seconds>.<signature>`, the signature an HMAC-SHA256 over id,
 * expiry and the link's random nonce under the module's key (one random key per database,
 * table leasing_key, made on first use). A changed id, expiry or signature fails the check (401);
 * a revoked or expired link is gone (410). What a guest sees is built here from the link's units
 * only, with public fields: never a tenant, never another unit.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../../db/index.ts';

/** The module's signing key (made once per database). */
export async function linkKey(q: Queryable): Promise<Buffer> {
  await q.query(`INSERT INTO leasing_key (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [randomBytes(32).toString('base64')]);
  const r = await q.query<{ secret: string }>('SELECT secret FROM leasing_key WHERE id = 1');
  return Buffer.from(r.rows[0]!.secret, 'base64');
}

const sign = (key: Buffer, id: number, exp: number, nonce: string) =>
  createHmac('sha256', key).update(`${id}.${exp}.${nonce}`).digest('base64url');

/** A fresh nonce for a new link. */
export const newNonce = (): string => randomBytes(18).toString('base64url');

/** The token of a link. */
export function linkToken(key: Buffer, id: number, expiresAt: Date, nonce: string): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `${id}.${exp}.${sign(key, id, exp, nonce)}`;
}

/** A guest link row. */
export interface GuestLinkRow {
  id: number;
  nonce: string;
  title: string;
  units: number[];
  expires_at: Date;
  revoked_at: Date | null;
}

/** Why a token opens nothing: 401 (not ours, altered) or 410 (revoked, expired). */
export type TokenCheck = { ok: true; link: GuestLinkRow } | { ok: false; status: 401 | 410; reason: string; id: number | null };

/** Checks a token against the stored link: signature, expiry (at `now`), revocation. */
export async function checkToken(q: Queryable, token: string, now: Date): Promise<TokenCheck> {
  const m = /^(\d{1,9})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, status: 401, reason: 'malformed link', id: null };
  const id = Number(m[1]);
  const exp = Number(m[2]);
  const r = await q.query<GuestLinkRow>('SELECT id, nonce, title, units, expires_at, revoked_at FROM leasing_guest_link WHERE id = $1', [id]);
  const link = r.rows[0];
  if (!link) return { ok: false, status: 401, reason: 'unknown link', id };
  const want = Buffer.from(sign(await linkKey(q), id, exp, link.nonce));
  const got = Buffer.from(m[3]!);
  if (want.length !== got.length || !timingSafeEqual(want, got) || Math.floor(new Date(link.expires_at).getTime() / 1000) !== exp) {
    return { ok: false, status: 401, reason: 'invalid signature', id };
  }
  if (link.revoked_at) return { ok: false, status: 410, reason: 'link revoked', id };
  if (new Date(link.expires_at).getTime() <= now.getTime()) return { ok: false, status: 410, reason: 'link expired', id };
  return { ok: true, link };
}

/** One unit as a guest sees it: public fields only. */
export interface GuestUnit {
  idx: number;
  code: string;
  building: string;
  buildingEn: string | null;
  level: number;
  area: number;
  use: string;
  rent: number;
  status: 'available' | 'held' | 'let';
  photos: { id: number; width: number; height: number }[];
}

/** The units of a link, public fields only (no tenant, no lease, no other unit). */
export async function guestUnits(q: Queryable, units: readonly number[]): Promise<GuestUnit[]> {
  const r = await q.query<{ idx: number; code: string; building: string; building_en: string | null; level: number; area: number; use: string; rent: string; lease_status: string }>(
    `SELECT r.idx, r.code, bo.name AS building, bo.name_en AS building_en, f.level::int AS level, r.area::float8 AS area, r.use, r.rent, r.lease_status
     FROM room r JOIN floor f ON f.idx = r.floor_idx JOIN twin_object bo ON bo.idx = r.building_idx
     WHERE r.idx = ANY($1::int[]) AND r.leasable ORDER BY bo.name, f.level, r.code`, [units]);
  const photos = await q.query<{ id: number; room_idx: number; width: number; height: number }>(
    'SELECT id, room_idx, width, height FROM leasing_photo WHERE room_idx = ANY($1::int[]) ORDER BY id', [units]);
  return r.rows.map((u) => ({
    idx: u.idx, code: u.code, building: u.building, buildingEn: u.building_en, level: u.level, area: Math.round(u.area * 10) / 10, use: u.use, rent: Number(u.rent),
    status: u.lease_status === 'vacant' ? 'available' : u.lease_status === 'reserved' ? 'held' : 'let',
    photos: photos.rows.filter((p) => p.room_idx === u.idx).map((p) => ({ id: p.id, width: p.width, height: p.height })),
  }));
}
