/**
 * The guest page of a guest link: one self-contained HTML document (inline CSS, no script, no
 * external resource), phone-first (single column at 390 px, two columns from 720 px), Chinese
 * with English beside it (a prospect may read either; no account, so no language setting).
 * Every text from the database is HTML-escaped.
 */
import type { GuestUnit } from './guest.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const USE: Record<string, [string, string]> = {
  office: ['办公', 'Office'], lab: ['实验室', 'Lab'], workshop: ['厂房', 'Workshop'], retail: ['商铺', 'Retail'], showroom: ['展厅', 'Showroom'],
};
const STATUS: Record<GuestUnit['status'], [string, string]> = {
  available: ['可租', 'Available'], held: ['已预留', 'On hold'], let: ['已出租', 'Let'],
};

const CSS = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#0d1620;color:#e6edf3;line-height:1.5}
header{padding:16px;background:#13202d;border-bottom:1px solid #24384b}h1{font-size:20px;margin:0 0 4px}
.en{color:#8fa3b5;font-size:.85em}.muted{color:#8fa3b5;font-size:13px}main{padding:12px;display:grid;gap:12px;grid-template-columns:1fr}
@media(min-width:720px){main{grid-template-columns:1fr 1fr}}
.unit{background:#13202d;border:1px solid #24384b;border-radius:10px;overflow:hidden}.unit h2{font-size:17px;margin:0}
.body{padding:12px}.facts{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:8px 0 0;font-size:14px}.facts dt{color:#8fa3b5}.facts dd{margin:0}
.chip{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;margin-left:6px;vertical-align:middle}
.available{background:#1e6b3a}.held{background:#8a6d0b}.let{background:#33475b}
.photos{display:flex;gap:4px;overflow-x:auto}.photos img{height:180px;width:auto;max-width:100%;object-fit:cover;display:block}
.nophoto{height:120px;display:flex;align-items:center;justify-content:center;background:#1a2a3a;color:#8fa3b5;font-size:13px}
.gone{padding:40px 16px;text-align:center}footer{padding:16px;text-align:center}`;

/** Renders the guest page; `data` null renders the refusal page for `status` (401 or 410). */
export function guestPage(data: { title: string; expiresAt: string; units: GuestUnit[] } | null, token: string, status: number): string {
  const head = (title: string) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)}</title><style>${CSS}</style></head><body>`;
  if (!data) {
    const [zh, en] = status === 410 ? ['此链接已失效（已撤销或已过期）', 'This link is no longer valid (revoked or expired)'] : ['链接无效', 'This link is not valid'];
    return `${head(zh)}<div class="gone" data-guest-error="${status}"><h1>${zh}</h1><p class="en">${en}</p><p class="muted">请联系招商人员获取新链接 · Please ask your leasing contact for a new link.</p></div></body></html>`;
  }
  const t = encodeURIComponent(token);
  const units = data.units.map((u) => {
    const use = USE[u.use] ?? [u.use, u.use];
    const st = STATUS[u.status];
    const photos = u.photos.length > 0
      ? `<div class="photos">${u.photos.map((p) => `<img src="/api/leasing/guest/${t}/photos/${p.id}" width="${p.width}" height="${p.height}" alt="${esc(u.code)}" loading="lazy">`).join('')}</div>`
      : '<div class="nophoto">暂无照片 · No photos yet</div>';
    return `<article class="unit" data-unit="${u.idx}">${photos}<div class="body">
<h2>${esc(u.building)} ${esc(u.code)}<span class="chip ${u.status}">${st[0]} · ${st[1]}</span></h2>
${u.buildingEn ? `<div class="en">${esc(u.buildingEn)}</div>` : ''}
<dl class="facts"><dt>楼层 Floor</dt><dd>${u.level > 0 ? `${u.level}F` : `B${-u.level}`}</dd>
<dt>面积 Area</dt><dd>${u.area.toLocaleString('zh-CN')} m²</dd>
<dt>用途 Use</dt><dd>${use[0]} · ${use[1]}</dd>
<dt>租金 Rent</dt><dd>${u.rent.toLocaleString('zh-CN')} 元/m²·月 <span class="en">CNY/m²/month</span></dd></dl></div></article>`;
  }).join('\n');
  const until = data.expiresAt.slice(0, 10);
  return `${head(data.title)}<header><h1>${esc(data.title)}</h1><div class="muted">共 ${data.units.length} 个房源 · ${data.units.length} units · 有效期至 ${until} · valid until ${until}</div></header>
<main>${units}</main><footer class="muted">园区招商 · Park leasing</footer></body></html>`;
}
