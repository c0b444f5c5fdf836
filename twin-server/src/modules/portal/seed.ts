/**
 * Sample portal content for the first start: published news, policies, an investment notice and
 * party-building articles (with a cover picture drawn here, re-encoded like an upload), plus one
 * draft and one article in review that the public never sees. Deterministic texts; dates relative
 * to the seeding time; idempotent (nothing when any portal article exists).
 */
import sharp from 'sharp';
import type { ServerContext } from '../../context.ts';
import type { EntityDef } from '../../kit/records/define.ts';
import { searchText } from '../../kit/records/store.ts';
import { processPhoto } from '../leasing/photos.ts';
import { publishCopy } from './definition.ts';

interface Sample { category: string; title: string; titleEn: string; summary: string; summaryEn: string; body: string; bodyEn: string; daysAgo: number; state: 'published' | 'draft' | 'review'; cover?: boolean }

export const SAMPLE_ARTICLES: readonly Sample[] = [
  { category: 'news', state: 'published', daysAgo: 1, cover: true, title: '园区智慧停车系统正式上线', titleEn: 'Smart parking goes live in the park',
    summary: '全园 1200 个车位接入智慧停车平台，车主可在线查询空位、缴费。', summaryEn: 'All 1,200 spaces joined the smart parking platform: find a space and pay online.',
    body: '<p>本周一起，园区全部 <strong>1200 个车位</strong> 接入智慧停车平台。车主可在线查询空余车位、办理月卡并在线缴费。</p><p>平台同时向园区数字孪生系统实时推送车场占用情况。</p>',
    bodyEn: '<p>From this Monday all <strong>1,200 parking spaces</strong> of the park are on the smart parking platform. Drivers can find free spaces, apply for monthly cards and pay online.</p>' },
  { category: 'news', state: 'published', daysAgo: 4, title: '第三届科技创新路演活动圆满举办', titleEn: 'Third technology roadshow held',
    summary: '18 家入园企业参加路演，6 个项目获得投资意向。', summaryEn: '18 tenant companies pitched; 6 projects received investment interest.',
    body: '<p>园区第三届科技创新路演在创新中心报告厅举行，18 家入园企业登台展示，6 个项目当场获得投资机构的投资意向。</p>',
    bodyEn: '<p>The third technology roadshow took place in the innovation centre: 18 tenant companies pitched and 6 projects received letters of interest.</p>' },
  { category: 'news', state: 'published', daysAgo: 9, title: '园区食堂新增轻食窗口', titleEn: 'A light-meal window opens in the canteen',
    summary: '一号食堂二楼新增轻食窗口，支持餐卡与扫码支付。', summaryEn: 'Canteen 1, second floor: a new light-meal window taking meal cards and QR payments.',
    body: '<p>应入园员工建议，一号食堂二楼新增轻食窗口，提供沙拉、三明治和低脂套餐，支持餐卡与扫码支付。</p>',
    bodyEn: '<p>On the suggestion of park staff, canteen 1 opens a light-meal window on its second floor (salads, sandwiches, low-fat menus).</p>' },
  { category: 'policy', state: 'published', daysAgo: 6, title: '关于支持高新技术企业研发投入的补贴政策', titleEn: 'Subsidy for R&D spending of high-tech companies',
    summary: '经认定的高新技术企业可按年度研发投入的 10% 申请补贴，最高 200 万元。', summaryEn: 'Certified high-tech companies may claim 10% of annual R&D spending, up to CNY 2 million.',
    body: '<h3>适用对象</h3><p>在园区注册并经认定的高新技术企业。</p><h3>补贴标准</h3><ul><li>按年度研发投入的 10% 给予补贴；</li><li>单个企业每年最高 200 万元。</li></ul><p>申报材料请通过服务中心提交。</p>',
    bodyEn: '<h3>Who</h3><p>Certified high-tech companies registered in the park.</p><h3>How much</h3><ul><li>10% of annual R&amp;D spending;</li><li>at most CNY 2 million per company and year.</li></ul>' },
  { category: 'policy', state: 'published', daysAgo: 20, title: '园区人才公寓申请办法', titleEn: 'How to apply for talent apartments',
    summary: '入园企业的骨干人才可申请人才公寓，租金按市场价五折。', summaryEn: 'Key staff of tenant companies may rent talent apartments at half the market rent.',
    body: '<p>入园企业的骨干人才可申请园区人才公寓，租期一年，可续租两次，租金按市场价五折收取。</p>',
    bodyEn: '<p>Key staff of tenant companies may apply for a talent apartment: one-year term, renewable twice, at half the market rent.</p>' },
  { category: 'invest', state: 'published', daysAgo: 3, title: '研发办公空间招租', titleEn: 'R&D office space to let',
    summary: '多栋楼宇提供 80 至 600 平方米研发办公空间，拎包入驻。', summaryEn: 'R&D offices of 80 to 600 m² in several buildings, ready to move in.',
    body: '<p>园区多栋楼宇现有研发办公空间出租，面积 80 至 600 平方米，精装修，可拎包入驻。前三年享受租金优惠。</p>',
    bodyEn: '<p>Several buildings offer fitted R&amp;D offices of 80 to 600 m², ready to move in, with reduced rent for the first three years.</p>' },
  { category: 'party', state: 'published', daysAgo: 5, title: '园区党群服务中心开展主题党日活动', titleEn: 'Theme day at the party and community service centre',
    summary: '园区非公企业党组织联合开展志愿服务活动。', summaryEn: 'Party branches of the park\'s companies ran a joint volunteering day.',
    body: '<p>园区党群服务中心组织各非公企业党支部开展主题党日活动，党员志愿者为入园企业员工提供义诊和法律咨询服务。</p>',
    bodyEn: '<p>The park\'s party and community service centre organised a theme day: volunteers offered free health checks and legal advice to park staff.</p>' },
  { category: 'news', state: 'draft', daysAgo: 0, title: '【草稿】年度园区运营报告（未发布）', titleEn: 'DRAFT annual operations report',
    summary: '草稿，尚未审核。', summaryEn: 'Draft, not reviewed.', body: '<p>草稿内容：不应出现在门户上。</p>', bodyEn: '<p>Draft text: must not appear on the portal.</p>' },
  { category: 'policy', state: 'review', daysAgo: 0, title: '【待审】园区人才补贴细则修订稿', titleEn: 'IN REVIEW talent subsidy rules (revised)',
    summary: '待审核。', summaryEn: 'In review.', body: '<p>修订稿：待审核。</p>', bodyEn: '<p>Revised rules, in review.</p>' },
];

/** A cover picture drawn without text (no font needed): sky, lawn and three buildings. */
async function coverPicture(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="540"><defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4a90d9"/><stop offset="1" stop-color="#cfe6ff"/></linearGradient></defs>
    <rect width="960" height="540" fill="url(#s)"/><rect y="400" width="960" height="140" fill="#5fae5a"/>
    <rect x="140" y="180" width="160" height="240" fill="#e9eef4"/><rect x="360" y="110" width="200" height="310" fill="#d5dde8"/><rect x="620" y="210" width="220" height="210" fill="#f3f5f8"/>
    ${Array.from({ length: 24 }, (_, i) => `<rect x="${380 + (i % 4) * 44}" y="${130 + Math.floor(i / 4) * 44}" width="28" height="26" fill="#7fa7d6"/>`).join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Inserts the sample articles (published ones with their public copy). */
export async function seedPortal(sc: ServerContext, def: EntityDef, _parkIdx: number): Promise<void> {
  const now = Date.now();
  const exists = await sc.db.query('SELECT 1 FROM kit_record WHERE entity = $1 LIMIT 1', [def.entity]);
  if (exists.rows.length > 0) return;
  const pic = await processPhoto(await coverPicture());
  await sc.db.transaction(async (tx) => {
    const again = await tx.query('SELECT 1 FROM kit_record WHERE entity = $1 LIMIT 1 FOR UPDATE', [def.entity]);
    if (again.rows.length > 0) return;
    const img = await tx.query<{ id: number }>(
      'INSERT INTO portal_image (width, height, image, thumb, uploaded_by_name, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
      [pic.width, pic.height, pic.image, pic.thumb, '示例数据', new Date(now)]);
    for (const s of SAMPLE_ARTICLES) {
      const at = new Date(now - s.daysAgo * 86_400_000 - 3_600_000);
      const data: Record<string, unknown> = { category: s.category, title: s.title, titleEn: s.titleEn, summary: s.summary, summaryEn: s.summaryEn, body: s.body, bodyEn: s.bodyEn,
        ...(s.cover ? { cover: img.rows[0]!.id } : {}) };
      const steps = s.state === 'published' ? [['submit', 'draft', 'review'], ['publish', 'review', 'published']] : s.state === 'review' ? [['submit', 'draft', 'review']] : [];
      const r = await tx.query<{ id: number }>(
        `INSERT INTO kit_record (entity, state, version, object_idx, enterprise_idx, title, data, search, created_by, created_by_name, created_at, updated_at, state_since, due_at, escalated_at)
         VALUES ($1, $2, $3, NULL, NULL, $4, $5::jsonb, $6, NULL, '园区运营中心', $7, $7, $7, NULL, NULL) RETURNING id`,
        [def.entity, s.state, steps.length + 1, s.title, JSON.stringify(data), searchText(def, data), at]);
      for (const [name, from, to] of steps) {
        await tx.query(`INSERT INTO kit_transition (record_id, transition, from_state, to_state, by_id, by_name, note, at) VALUES ($1, $2, $3, $4, NULL, '示例数据', NULL, $5)`,
          [r.rows[0]!.id, name, from, to, at]);
      }
      if (s.state === 'published') await publishCopy(tx, { id: r.rows[0]!.id, data }, at);
    }
  });
}
