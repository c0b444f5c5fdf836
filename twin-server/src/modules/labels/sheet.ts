/**
 * QR labels: the text a code carries (`<origin>/scan?u=<uuid>`, so a phone's own camera app opens
 * the twin's scanner page too) and the printable sheet, an SVG of A4 pages of 3 x 7 labels
 * (63.5 x 38.1 mm, the common 21-up stock), each with its QR code drawn as one path, the object's
 * code and name. No fonts embedded: the text is for people; the QR is what is scanned.
 */
import QRCode from 'qrcode';
import type { LabelRow } from './queries.ts';

/** The URL a label's QR code carries for an object uuid. */
export function labelUrl(origin: string, uuid: string): string {
  return `${origin}/scan?u=${uuid}`;
}

/** The QR modules of a text as an SVG path (1 unit per module), and the side in modules. */
export function qrPath(text: string): { d: string; size: number } {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const data = qr.modules.data;
  let d = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (!data[y * n + x]) continue;
      let w = 1;
      while (x + w < n && data[y * n + x + w]) w++;
      d += `M${x} ${y}h${w}v1h-${w}z`;
      x += w - 1;
    }
  }
  return { d, size: n };
}

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Page and label geometry (mm). */
export const SHEET = { pageW: 210, pageH: 297, cols: 3, rows: 7, labelW: 63.5, labelH: 38.1, marginX: 7.25, marginY: 15.15, qr: 30 } as const;

/** The label sheet of `labels` as an SVG document (pages stacked vertically, one per 21 labels). */
export function labelSheetSvg(title: string, labels: readonly LabelRow[], origin: string): string {
  const perPage = SHEET.cols * SHEET.rows;
  const pages = Math.max(1, Math.ceil(labels.length / perPage));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${SHEET.pageW}mm" height="${SHEET.pageH * pages}mm" viewBox="0 0 ${SHEET.pageW} ${SHEET.pageH * pages}">`);
  out.push(`<title>${esc(title)}</title><rect width="100%" height="100%" fill="#fff"/>`);
  labels.forEach((l, i) => {
    const page = Math.floor(i / perPage);
    const k = i % perPage;
    const x = SHEET.marginX + (k % SHEET.cols) * SHEET.labelW;
    const y = page * SHEET.pageH + SHEET.marginY + Math.floor(k / SHEET.cols) * SHEET.labelH;
    const { d, size } = qrPath(labelUrl(origin, l.uuid));
    // 4-module quiet zone inside the 30 mm square.
    const s = SHEET.qr / (size + 8);
    out.push(`<g class="label" data-idx="${l.idx}" data-uuid="${l.uuid}" transform="translate(${x.toFixed(2)} ${y.toFixed(2)})">`
      + `<rect width="${SHEET.labelW}" height="${SHEET.labelH}" rx="2" fill="none" stroke="#bbb" stroke-width="0.2"/>`
      + `<path transform="translate(${(4 + 4 * s).toFixed(3)} ${(4 + 4 * s).toFixed(3)}) scale(${s.toFixed(4)})" d="${d}" fill="#000"/>`
      + `<text x="36" y="14" font-size="4" font-family="monospace" font-weight="bold">${esc(l.code)}</text>`
      + `<text x="36" y="21" font-size="3" font-family="sans-serif">${esc(l.name.slice(0, 18))}</text>`
      + `<text x="36" y="27" font-size="2.4" font-family="sans-serif" fill="#555">${esc(l.kind)} #${l.idx}</text>`
      + '</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

/** One label's QR code as a PNG (quiet zone 4 modules, `scale` px per module). */
export function labelPng(origin: string, uuid: string, scale = 8): Promise<Buffer> {
  return QRCode.toBuffer(labelUrl(origin, uuid), { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale });
}
