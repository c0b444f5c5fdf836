/**
 * Portal articles (issue 19, P1) on the records kit: park staff write a draft (news, policy,
 * investment notice, party building), submit it for review, and a reviewer who is not the author
 * publishes it (or sends it back). Publishing copies the article, sanitized, into
 * `portal_published`, the only table the public routes read; unpublishing removes the copy.
 * Editing a published article changes the staff copy only, until it is published again.
 */
import { z } from 'zod';
import type { ServerContext } from '../../context.ts';
import type { Queryable } from '../../db/index.ts';
import { defineEntity, type EntityDef, type GuardInput, type StoredRecord } from '../../kit/records/define.ts';
import { authService } from '../../auth/index.ts';
import { IMAGE_SRC, sanitizeArticle, textOf } from './sanitize.ts';

export const CATEGORIES = {
  news: { zh: '园区新闻', en: 'News' },
  policy: { zh: '政策公开', en: 'Policies' },
  invest: { zh: '招商信息', en: 'Investment' },
  party: { zh: '党建园地', en: 'Party building' },
} as const;
export type Category = keyof typeof CATEGORIES;

const notAuthor = ({ record, principal }: GuardInput) => (record.createdBy !== null && record.createdBy === principal.id ? 'the author may not review their own article' : null);

/** The image ids an article uses (cover and <img> in either body). */
export function imagesOf(data: Record<string, unknown>): number[] {
  const ids = new Set<number>();
  if (typeof data.cover === 'number') ids.add(data.cover);
  for (const b of [data.body, data.bodyEn]) {
    if (typeof b !== 'string') continue;
    for (const m of b.matchAll(/src\s*=\s*["']([^"']+)["']/g)) if (IMAGE_SRC.test(m[1]!)) ids.add(Number(/images\/(\d+)/.exec(m[1]!)![1]));
  }
  return [...ids].sort((a, b) => a - b);
}

/** Writes (or replaces) the public copy of an article: sanitized HTML, search text, images. */
export async function publishCopy(tx: Queryable, r: Pick<StoredRecord, 'id' | 'data'>, at: Date): Promise<void> {
  const d = r.data as { category: Category; title: string; titleEn?: string; summary?: string; summaryEn?: string; body: string; bodyEn?: string; cover?: number };
  const body = sanitizeArticle(d.body);
  const bodyEn = d.bodyEn ? sanitizeArticle(d.bodyEn) : null;
  const search = [d.title, d.titleEn ?? '', d.summary ?? '', d.summaryEn ?? '', textOf(body), bodyEn ? textOf(bodyEn) : ''].join(' \u0001 ').toLowerCase();
  await tx.query(
    `INSERT INTO portal_published (record_id, category, title, title_en, summary, summary_en, body_html, body_html_en, cover_image, images, published_at, search)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::int[], $11, $12)
     ON CONFLICT (record_id) DO UPDATE SET category = EXCLUDED.category, title = EXCLUDED.title, title_en = EXCLUDED.title_en, summary = EXCLUDED.summary,
       summary_en = EXCLUDED.summary_en, body_html = EXCLUDED.body_html, body_html_en = EXCLUDED.body_html_en, cover_image = EXCLUDED.cover_image,
       images = EXCLUDED.images, published_at = EXCLUDED.published_at, search = EXCLUDED.search`,
    [r.id, d.category, d.title, d.titleEn ?? null, d.summary ?? textOf(body).slice(0, 120), d.summaryEn ?? null, body, bodyEn, d.cover ?? null, imagesOf(d), at, search]);
}

/** The entity definition. */
export function articleEntity(sc: ServerContext): EntityDef {
  const now = () => authService(sc).now();
  return defineEntity({
    entity: 'portal_article', label: { zh: '门户文章', en: 'Portal article' }, path: 'portal/articles', uiPath: '/portal-admin',
    fields: {
      category: { label: { zh: '栏目', en: 'Section' }, schema: z.enum(Object.keys(CATEGORIES) as [Category]), options: CATEGORIES },
      title: { label: { zh: '标题', en: 'Title' }, schema: z.string().trim().min(2).max(120) },
      titleEn: { label: { zh: '英文标题', en: 'English title' }, schema: z.string().trim().max(200).optional() },
      summary: { label: { zh: '摘要', en: 'Summary' }, schema: z.string().trim().max(300).optional(), input: 'textarea' },
      summaryEn: { label: { zh: '英文摘要', en: 'English summary' }, schema: z.string().trim().max(500).optional(), input: 'textarea' },
      body: { label: { zh: '正文（HTML）', en: 'Body (HTML)' }, schema: z.string().trim().min(1).max(100_000), input: 'textarea' },
      bodyEn: { label: { zh: '英文正文（HTML）', en: 'English body (HTML)' }, schema: z.string().trim().max(100_000).optional(), input: 'textarea' },
      cover: { label: { zh: '封面图片编号', en: 'Cover image id' }, schema: z.number().int().min(1).optional(), input: 'number' },
    },
    titleField: 'title',
    columns: ['id', 'title', 'category', 'state', 'createdBy', 'updatedAt'],
    filters: ['category'],
    search: ['title', 'titleEn', 'summary', 'body'],
    permissions: { read: 'portal:read', create: 'portal:write', write: 'portal:write', assign: 'portal:publish', comment: 'portal:read' },
    enterpriseScoped: false,
    workflow: {
      initial: 'draft',
      states: {
        draft: { label: { zh: '草稿', en: 'Draft' } },
        review: { label: { zh: '待审核', en: 'In review' } },
        published: { label: { zh: '已发布', en: 'Published' } },
        withdrawn: { label: { zh: '已撤回', en: 'Withdrawn' } },
        discarded: { label: { zh: '已废弃', en: 'Discarded' }, final: true },
      },
      transitions: {
        submit: { from: ['draft'], to: 'review', label: { zh: '提交审核', en: 'Submit for review' }, permission: 'portal:write' },
        reject: { from: ['review'], to: 'draft', label: { zh: '退回修改', en: 'Send back' }, permission: 'portal:publish' },
        publish: {
          from: ['review'], to: 'published', label: { zh: '审核并发布', en: 'Approve and publish' }, permission: 'portal:publish', guards: [notAuthor],
          after: async ({ record, tx }) => publishCopy(tx, record, now()),
        },
        unpublish: {
          from: ['published'], to: 'withdrawn', label: { zh: '撤回发布', en: 'Unpublish' }, permission: 'portal:publish',
          after: async ({ record, tx }) => {
            await tx.query('DELETE FROM portal_published WHERE record_id = $1', [record.id]);
          },
        },
        // A revision of a published article: the public keeps the published copy until the next publish.
        revise: { from: ['published', 'withdrawn'], to: 'draft', label: { zh: '修订', en: 'Revise' }, permission: 'portal:write' },
        discard: {
          from: ['draft', 'withdrawn'], to: 'discarded', label: { zh: '废弃', en: 'Discard' }, permission: 'portal:write',
          after: async ({ record, tx }) => {
            await tx.query('DELETE FROM portal_published WHERE record_id = $1', [record.id]);
          },
        },
      },
    },
  });
}
