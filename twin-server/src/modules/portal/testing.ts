/** Test helpers of the portal module (its own tests and the route contract cases). */
import sharp from 'sharp';
import type { HttpClient } from '../../auth/testing.ts';

/** A valid new article's fields. */
export const SAMPLE_ARTICLE = { category: 'news', title: '园区新闻测试', titleEn: 'Park news test', summary: '测试摘要', body: '<p>测试正文</p>' } as const;

/** A real 1200×800 PNG (sharp decodes and re-encodes uploads). */
export function testPng(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } }).png().toBuffer();
}

/** Writes an article as `author`; throws unless created. */
export async function newArticle(author: HttpClient, data: Record<string, unknown> = SAMPLE_ARTICLE): Promise<{ id: number; version: number }> {
  const r = await author.req('POST', '/api/portal/articles', { data });
  if (r.status !== 201) throw new Error(`article not created: ${r.status} ${r.text}`);
  return r.body as { id: number; version: number };
}

/** Fires a transition; throws unless it answered 200. Returns the new version. */
export async function fire(c: HttpClient, id: number, name: string, version: number): Promise<number> {
  const r = await c.req('POST', `/api/portal/articles/${id}/transitions/${name}`, { version });
  if (r.status !== 200) throw new Error(`${name} failed: ${r.status} ${r.text}`);
  return (r.body as { version: number }).version;
}

/** An article written by `author`, submitted, and published by `reviewer`. */
export async function publishedArticle(author: HttpClient, reviewer: HttpClient, data: Record<string, unknown> = SAMPLE_ARTICLE): Promise<number> {
  const a = await newArticle(author, data);
  const v = await fire(author, a.id, 'submit', a.version);
  await fire(reviewer, a.id, 'publish', v);
  return a.id;
}
