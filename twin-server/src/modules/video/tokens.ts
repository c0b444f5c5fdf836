/**
 * Signed stream URLs: a token names one camera, one session and an expiry, signed with a key that
 * lives only in this process (a restart invalidates every URL, which viewers renew anyway). The
 * token sits in the URL path, so the playlist's relative segment URIs carry it too.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Shape of a token: expiry (seconds, base 36), a dash, 32 hex of HMAC-SHA256. */
export const TOKEN_RE = /^[0-9a-z]{1,12}-[0-9a-f]{32}$/;

/** Why a token was refused. */
export type TokenCheck = 'ok' | 'malformed' | 'expired' | 'mismatch';

/** Signs and checks stream tokens. */
export class StreamSigner {
  readonly #key: Buffer;
  constructor(key: Buffer = randomBytes(32)) {
    this.#key = key;
  }

  #mac(camera: number, sessionId: string, expS: number): string {
    return createHmac('sha256', this.#key).update(`video|${camera}|${sessionId}|${expS}`).digest('hex').slice(0, 32);
  }

  /** A token for `camera` bound to `sessionId`, valid until `expMs` (rounded up to the second). */
  sign(camera: number, sessionId: string, expMs: number): string {
    const expS = Math.ceil(expMs / 1000);
    return `${expS.toString(36)}-${this.#mac(camera, sessionId, expS)}`;
  }

  /** Checks a token against the camera of the URL and the caller's session at `nowMs`. */
  verify(token: string, camera: number, sessionId: string, nowMs: number): TokenCheck {
    if (!TOKEN_RE.test(token)) return 'malformed';
    const [exp36, mac] = token.split('-') as [string, string];
    const expS = parseInt(exp36, 36);
    if (!Number.isSafeInteger(expS)) return 'malformed';
    const want = Buffer.from(this.#mac(camera, sessionId, expS), 'hex');
    if (!timingSafeEqual(want, Buffer.from(mac, 'hex'))) return 'mismatch';
    return expS * 1000 < nowMs ? 'expired' : 'ok';
  }
}
