/**
 * The public portal on both backends (issue 19 must-show 1, API side): anonymous callers see the
 * park, published articles only (a draft, an article in review, an unpublished one and the
 * unpublished edit of a published one never appear, by list, search, id or image), vacant units
 * only; two-character Chinese search; sanitized bodies; four-eyes publishing; resized images.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { healthModule } from '../health.ts';
import { startAuthServer, HttpClient, type AuthTestServer } from '../../auth/testing.ts';
import { insertFixturePark } from '../../tiler/fixture.ts';
import { notificationsModule } from '../../kit/notifications/module.ts';
import { rawUploadClient } from '../repairs/testing.ts';
import { portalModule } from './index.ts';
import { seedPortal, SAMPLE_ARTICLES } from './seed.ts';
import { articleEntity } from './definition.ts';
import { fire, newArticle, publishedArticle, testPng } from './testing.ts';

interface Summary { id: number; title: string; category: string }

for (const backend of ['pglite', 'postgres'] as const) {
  describe.skipIf(backend === 'postgres' && inject('pgMissing') !== null)(`portal module [${backend}]`, () => {
    let s: AuthTestServer;
    let author: HttpClient;
    let reviewer: HttpClient;
    let anon: HttpClient;
    let parkCode = '';
    let vacant: number[] = [];
    let leased = 0;
    const db = () => s.server.sc.db;
    const publicText = async () => {
      const parts: string[] = [];
      parts.push((await anon.req('GET', '/api/portal/public/overview')).text);
      for (const c of ['news', 'policy', 'invest', 'party']) parts.push((await anon.req('GET', `/api/portal/public/articles?category=${c}&limit=100`)).text);
      parts.push((await anon.req('GET', '/api/portal/public/articles?limit=100')).text);
      return parts.join('\n');
    };

    beforeAll(async () => {
      s = await startAuthServer(backend, { modules: [healthModule, notificationsModule(), portalModule] });
      const park = await insertFixturePark(db(), { grid: 2, floors: 2, roomsPerSide: 3, code: 'portal' });
      parkCode = 'portal';
      const offices = (await db().query<{ idx: number }>('SELECT idx FROM room WHERE leasable ORDER BY idx')).rows.map((r) => r.idx);
      vacant = offices.slice(0, 3);
      leased = offices[3]!;
      await db().query(`UPDATE room SET lease_status = 'vacant' WHERE idx = ANY($1::int[])`, [vacant]);
      await db().query(`UPDATE room SET lease_status = CASE WHEN idx = $1 THEN 'leased' ELSE 'reserved' END WHERE leasable AND NOT (idx = ANY($2::int[]))`, [leased, vacant]);
      await seedPortal(s.server.sc, articleEntity(s.server.sc), park.parkIdx);
      author = (await s.userWith(['investment'])).client;
      reviewer = (await s.userWith(['property_manager'])).client;
      anon = new HttpClient(s.server.url);
    }, 120_000);
    afterAll(async () => {
      await s?.server.stop();
    });

    it('shows the park and its published sample articles without a login, never a draft or a review', async () => {
      const o = await anon.req('GET', `/api/portal/public/overview?park=${parkCode}`);
      expect(o.status).toBe(200);
      const ov = o.body as { park: { code: string }; buildings: { outline: [number, number][] }[]; figures: { buildings: number; vacantUnits: number }; latest: Summary[]; size: { width: number } };
      expect(ov.park.code).toBe(parkCode);
      expect(ov.buildings.length).toBe(4);
      expect(ov.figures.vacantUnits).toBe(3);
      expect(ov.size.width).toBeGreaterThan(50);
      for (const b of ov.buildings) for (const [x, y] of b.outline) expect(x >= 0 && y >= 0 && x <= ov.size.width + 1).toBe(true);
      const all = (await anon.req('GET', '/api/portal/public/articles?limit=100')).body as { articles: Summary[] };
      const published = SAMPLE_ARTICLES.filter((a) => a.state === 'published');
      expect(all.articles.map((a) => a.title).sort()).toEqual(published.map((a) => a.title).sort());
      const text = await publicText();
      for (const a of SAMPLE_ARTICLES.filter((x) => x.state !== 'published')) {
        expect(text).not.toContain(a.title);
        expect(text).not.toContain(a.titleEn);
      }
      const hidden = await db().query<{ id: number }>("SELECT id FROM kit_record WHERE entity = 'portal_article' AND state <> 'published'");
      expect(hidden.rows.length).toBe(2);
      for (const h of hidden.rows) expect((await anon.req('GET', `/api/portal/public/articles/${h.id}`)).status).toBe(404);
      // Staff routes stay closed to the public.
      expect((await anon.req('GET', '/api/portal/articles')).status).toBe(401);
      const policies = (await anon.req('GET', '/api/portal/public/articles?category=policy')).body as { articles: Summary[] };
      expect(policies.articles.map((a) => a.title)).toEqual(['关于支持高新技术企业研发投入的补贴政策', '园区人才公寓申请办法']);
    });

    it('finds an article by a two-character Chinese query, and a draft by none', async () => {
      const hit = (await anon.req('GET', `/api/portal/public/articles?q=${encodeURIComponent('路演')}`)).body as { articles: Summary[] };
      expect(hit.articles.map((a) => a.title)).toEqual(['第三届科技创新路演活动圆满举办']);
      // A word only in a body text (not the title) counts too.
      const body = (await anon.req('GET', `/api/portal/public/articles?q=${encodeURIComponent('义诊')}`)).body as { articles: Summary[] };
      expect(body.articles.map((a) => a.category)).toEqual(['party']);
      const en = (await anon.req('GET', '/api/portal/public/articles?q=ROADSHOW')).body as { articles: Summary[] };
      expect(en.articles.length).toBe(1);
      for (const word of ['草稿', '待审', '修订稿']) {
        expect(((await anon.req('GET', `/api/portal/public/articles?q=${encodeURIComponent(word)}`)).body as { articles: Summary[] }).articles).toEqual([]);
      }
      // LIKE wildcards are text, not patterns ('园%区' would match most articles as a pattern; '10%' is literal text of one).
      expect(((await anon.req('GET', `/api/portal/public/articles?q=${encodeURIComponent('园%区')}`)).body as { articles: Summary[] }).articles).toEqual([]);
      expect(((await anon.req('GET', `/api/portal/public/articles?q=${encodeURIComponent('10%')}`)).body as { articles: Summary[] }).articles.map((a) => a.category)).toEqual(['policy']);
      expect((await anon.req('GET', `/api/portal/public/articles?q=${'长'.repeat(51)}`)).status).toBe(400);
    });

    it('lists the vacant units and no leased or held one', async () => {
      const r = await anon.req('GET', `/api/portal/public/units?park=${parkCode}`);
      expect(r.status).toBe(200);
      const units = (r.body as { units: { idx: number; area: number }[] }).units;
      expect(units.map((u) => u.idx).sort((a, b) => a - b)).toEqual(vacant);
      expect(r.text).not.toMatch(/enterprise|tenant/i);
      expect((await anon.req('GET', '/api/portal/public/units?park=nope-park')).status).toBe(404);
    });

    it('publishes through review by someone else, sanitized; unpublishing and revising never show the draft', async () => {
      const a = await newArticle(author, {
        category: 'news', title: '安全测试文章', summary: '摘要',
        body: '<p onclick="x()">正文<script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">坏链接</a><a href="https://example.org/a">好链接</a><iframe src="https://evil"></iframe></p>',
      });
      expect((await anon.req('GET', `/api/portal/public/articles/${a.id}`)).status).toBe(404);
      const v = await fire(author, a.id, 'submit', a.version);
      // Four eyes: the author cannot publish, even holding the permission.
      const boss = await s.userWith(['property_manager']);
      const own = await newArticle(boss.client);
      const ov = await fire(boss.client, own.id, 'submit', own.version);
      const self = await boss.client.req('POST', `/api/portal/articles/${own.id}/transitions/publish`, { version: ov });
      expect(self.status).toBe(409);
      expect(self.text).toContain('own article');
      expect((await author.req('POST', `/api/portal/articles/${a.id}/transitions/publish`, { version: v })).status).toBe(403);
      const v2 = await fire(reviewer, a.id, 'publish', v);
      const pub = await anon.req('GET', `/api/portal/public/articles/${a.id}`);
      expect(pub.status).toBe(200);
      const html = (pub.body as { bodyHtml: string }).bodyHtml;
      expect(html).toContain('正文');
      expect(html).toContain('href="https://example.org/a"');
      expect(html).toContain('rel="noopener noreferrer"');
      for (const bad of ['<script', 'onclick', 'onerror', 'javascript:', '<iframe', '<img']) expect(html).not.toContain(bad);
      // Revising a published article: the public keeps the published text until it is published again.
      const v3 = await fire(author, a.id, 'revise', v2);
      const edit = await author.req('PATCH', `/api/portal/articles/${a.id}`, { version: v3, data: { title: '安全测试文章（未审修订）' } });
      expect(edit.status).toBe(200);
      expect((await anon.req('GET', `/api/portal/public/articles/${a.id}`)).text).not.toContain('未审修订');
      expect(await publicText()).not.toContain('未审修订');
      const v4 = await fire(author, a.id, 'submit', (edit.body as { version: number }).version);
      const v5 = await fire(reviewer, a.id, 'publish', v4);
      expect(((await anon.req('GET', `/api/portal/public/articles/${a.id}`)).body as { title: string }).title).toBe('安全测试文章（未审修订）');
      await fire(reviewer, a.id, 'unpublish', v5);
      expect((await anon.req('GET', `/api/portal/public/articles/${a.id}`)).status).toBe(404);
      expect(await publicText()).not.toContain('安全测试文章');
      const audit = await db().query<{ action: string }>(`SELECT action FROM audit_log WHERE object = $1 ORDER BY seq`, [`portal_article:${a.id}`]);
      expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['portal_article.create', 'portal_article.transition.publish', 'portal_article.transition.unpublish']));
    });

    it('re-encodes uploaded images, serving them publicly only once a published article uses them', async () => {
      const up = await rawUploadClient(author, 'image/png', await testPng(2400, 1600)).req('POST', '/api/portal/images');
      expect(up.status).toBe(201);
      const img = up.body as { id: number; width: number; height: number; src: string };
      expect([img.width, img.height]).toEqual([1600, 1067]);
      expect((await anon.req('GET', img.src)).status).toBe(404);
      expect((await reviewer.req('GET', `/api/portal/images/${img.id}`)).status).toBe(200);
      const bad = await rawUploadClient(author, 'image/png', Buffer.from('<svg onload="x"/>')).req('POST', '/api/portal/images');
      expect(bad.status).toBe(400);
      expect((await rawUploadClient(anon, 'image/png', await testPng(10, 10)).req('POST', '/api/portal/images')).status).toBe(401);
      const id = await publishedArticle(author, reviewer, { category: 'news', title: '带图新闻', body: `<p>图片</p><img src="${img.src}" alt="园区">` });
      const res = await fetch(`${s.server.url}${img.src}?size=thumb`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
      expect([meta.format, meta.width]).toEqual(['jpeg', 480]);
      expect((await anon.req('GET', `/api/portal/public/articles/${id}`)).text).toContain(`src=\\"${img.src}\\"`);
    });

    it('seeds once', async () => {
      const before = (await db().query<{ n: number }>("SELECT count(*)::int AS n FROM kit_record WHERE entity = 'portal_article'")).rows[0]!.n;
      await seedPortal(s.server.sc, articleEntity(s.server.sc), 0);
      expect((await db().query<{ n: number }>("SELECT count(*)::int AS n FROM kit_record WHERE entity = 'portal_article'")).rows[0]!.n).toBe(before);
    });
  });
}
