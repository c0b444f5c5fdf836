/**
 * Reading a label: a camera frame (RGBA) decoded by ZXing's QR reader, and the uuid a label's
 * text carries (`<origin>/scan?u=<uuid>`, or a bare uuid).
 */
import { BinaryBitmap, HybridBinarizer, NotFoundException, QRCodeReader, RGBLuminanceSource, ChecksumException, FormatException } from '@zxing/library';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The object uuid a label's text names, or null for any other text. */
export function uuidOfLabel(text: string): string | null {
  const t = text.trim();
  if (UUID.test(t)) return t.toLowerCase();
  try {
    const u = new URL(t).searchParams.get('u');
    return u && UUID.test(u) ? u.toLowerCase() : null;
  } catch {
    return null;
  }
}

const reader = new QRCodeReader();

/** Decodes a QR code in an RGBA frame; null when none is found in it. */
export function decodeFrame(rgba: Uint8ClampedArray, width: number, height: number): string | null {
  const lum = new Uint8ClampedArray(width * height);
  for (let i = 0, j = 0; j < lum.length; i += 4, j++) lum[j] = (rgba[i]! * 77 + rgba[i + 1]! * 150 + rgba[i + 2]! * 29) >> 8;
  try {
    return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(lum, width, height)))).getText();
  } catch (e) {
    if (e instanceof NotFoundException || e instanceof ChecksumException || e instanceof FormatException) return null;
    throw e;
  }
}
