/**
 * The public park portal (no login): home (site plan drawn from the twin's building outlines,
 * figures, latest articles), news, policies, investment (vacant units from the leasing data and
 * investment notices), party building, search and single articles. Article bodies are HTML the
 * server sanitized at publishing; only published articles ever reach these routes.
 * Paths: /portal, /portal/news, /portal/policy, /portal/invest, /portal/party,
 * /portal/search?q=, /portal/articles/:id; `?park=` picks a park, `?lang=en` English.
 */
import { useEffect, useState, type FormEvent, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';
import { setLanguage } from '../../i18n/index.ts';
import './portal.css';

type Overview = GetAnswer<'/api/portal/public/overview'>;
type Summary = GetAnswer<'/api/portal/public/articles'>['articles'][number];
type Article = GetAnswer<'/api/portal/public/articles/{id}'>;
type Unit = GetAnswer<'/api/portal/public/units'>['units'][number];
type Section = 'news' | 'policy' | 'invest' | 'party';
const SECTIONS: readonly Section[] = ['news', 'policy', 'invest', 'party'];

/** Colours of building uses on the site plan. */
const USE_COLOUR: Record<string, string> = {
  office: '#5b8def', research: '#3bb3a0', industrial: '#b58b4c', incubator: '#9b6ad6', data_center: '#4a5f86', residential: '#e0a24a',
  commercial: '#e56b6f', amenity: '#7cb85c', parking: '#9aa5b1', utility: '#8d8d8d', mixed: '#6c9bc7',
};

const park = () => new URLSearchParams(location.search).get('park') ?? undefined;
const parkQuery = () => (park() ? { park: park()! } : {});
/** An in-portal address keeping ?park= and ?lang=. */
function href(path: string, extra: Record<string, string> = {}): string {
  const cur = new URLSearchParams(location.search);
  const q = new URLSearchParams(extra);
  for (const k of ['park', 'lang']) if (cur.get(k)) q.set(k, cur.get(k)!);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    let live = true;
    setState({ data: null, error: null });
    load().then((data) => live && setState({ data, error: null })).catch((e: Error) => live && setState({ data: null, error: e.message }));
    return () => { live = false; };
  }, deps);
  return state;
}

/** The portal app. */
export default function PortalApp() {
  const { t, i18n } = useTranslation('portal');
  const [url, setUrl] = useState(location.pathname + location.search);
  useEffect(() => {
    const on = () => setUrl(location.pathname + location.search);
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const go = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    const to = e.currentTarget.getAttribute('href')!;
    history.pushState(null, '', to);
    setUrl(to);
    document.querySelector('.portal')?.scrollTo(0, 0);
  };
  const en = i18n.language === 'en';
  const overview = useLoad(() => api.get('/api/portal/public/overview', { query: parkQuery() }), []);
  const ov = overview.data;
  const parkName = ov ? (en && ov.park.nameEn ? ov.park.nameEn : ov.park.name) : '';
  useEffect(() => {
    document.title = parkName ? `${parkName} · ${t('title')}` : t('title');
    document.documentElement.lang = i18n.language;
  }, [parkName, t, i18n.language]);
  const path = new URL(url, location.origin).pathname.replace(/\/+$/, '');
  const params = new URL(url, location.origin).searchParams;
  const section = SECTIONS.find((s) => path === `/portal/${s}`);
  const article = /^\/portal\/articles\/(\d{1,9})$/.exec(path);
  const search = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get('q') ?? '').trim();
    if (!q) return;
    const to = href('/portal/search', { q });
    history.pushState(null, '', to);
    setUrl(to);
  };
  let page;
  if (article) page = <ArticlePage id={Number(article[1])} go={go} />;
  else if (path === '/portal/search') page = <SearchPage q={params.get('q') ?? ''} go={go} />;
  else if (section === 'invest') page = <InvestPage go={go} />;
  else if (section) page = <SectionPage section={section} go={go} />;
  else page = <HomePage ov={ov} error={overview.error} go={go} />;
  return (
    <div className="portal" data-portal-page={article ? 'article' : path === '/portal/search' ? 'search' : section ?? 'home'} data-lang={i18n.language}>
      <header className="portal-head">
        <a className="portal-brand" href={href('/portal')} onClick={go}>
          <span className="portal-logo" aria-hidden="true" />
          <span>{parkName || t('title')}</span>
        </a>
        <nav className="portal-nav">
          <a href={href('/portal')} onClick={go} className={!section && !article && path !== '/portal/search' ? 'active' : ''}>{t('home')}</a>
          {SECTIONS.map((s) => <a key={s} href={href(`/portal/${s}`)} onClick={go} data-section={s} className={section === s ? 'active' : ''}>{t(s)}</a>)}
        </nav>
        <form className="portal-search" role="search" onSubmit={search}>
          <input name="q" type="search" maxLength={50} placeholder={t('searchPlaceholder')} aria-label={t('search')} defaultValue={params.get('q') ?? ''} key={url} />
          <button type="submit">{t('search')}</button>
        </form>
        <div className="portal-tools">
          <button type="button" className="portal-lang" onClick={() => setLanguage(en ? 'zh-CN' : 'en')}>{t('switchTo')}</button>
          <a className="portal-login" href="/">{t('login')}</a>
        </div>
      </header>
      <main className="portal-main">{page}</main>
    </div>
  );
}

function dateOf(iso: string, lang: string): string {
  return new Date(iso).toLocaleDateString(lang === 'en' ? 'en-GB' : 'zh-CN', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'Asia/Shanghai' });
}

function ArticleList({ items, go }: { items: readonly Summary[]; go: (e: MouseEvent<HTMLAnchorElement>) => void }) {
  const { t, i18n } = useTranslation('portal');
  const en = i18n.language === 'en';
  if (items.length === 0) return <p className="portal-empty">{t('noArticles')}</p>;
  return (
    <ul className="portal-articles">
      {items.map((a) => (
        <li key={a.id} data-article={a.id}>
          <a href={href(`/portal/articles/${a.id}`)} onClick={go}>
            {a.cover !== null && <img src={`/api/portal/public/images/${a.cover}?size=thumb`} alt="" loading="lazy" />}
            <span className="portal-tag" data-category={a.category}>{t(a.category)}</span>
            <strong>{en && a.titleEn ? a.titleEn : a.title}</strong>
            <span className="portal-summary">{en && a.summaryEn ? a.summaryEn : a.summary}</span>
            <time dateTime={a.publishedAt}>{t('publishedAt', { date: dateOf(a.publishedAt, i18n.language) })}</time>
          </a>
        </li>
      ))}
    </ul>
  );
}

function SitePlan({ ov }: { ov: Overview }) {
  const { t, i18n } = useTranslation('portal');
  const en = i18n.language === 'en';
  const pad = 20;
  const w = ov.size.width + pad * 2;
  const h = ov.size.height + pad * 2;
  const pts = (o: readonly (readonly [number, number])[]) => o.map(([x, y]) => `${x + pad},${ov.size.height - y + pad}`).join(' ');
  const uses = [...new Set(ov.buildings.map((b) => b.use))];
  return (
    <figure className="portal-plan">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={t('sitePlan')} data-buildings={ov.buildings.length}>
        <polygon points={pts(ov.boundary)} className="plan-boundary" />
        {ov.buildings.map((b) => {
          const cx = b.outline.reduce((s, p) => s + p[0], 0) / b.outline.length + pad;
          const cy = ov.size.height - b.outline.reduce((s, p) => s + p[1], 0) / b.outline.length + pad;
          return (
            <g key={b.idx} data-building={b.code}>
              <polygon points={pts(b.outline)} fill={USE_COLOUR[b.use] ?? '#6c9bc7'} className="plan-building" />
              <title>{en && b.nameEn ? b.nameEn : b.name}</title>
              <text x={cx} y={cy} className="plan-label" fontSize={Math.max(10, Math.min(18, w / 50))}>{b.code}</text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        {uses.map((u) => <span key={u}><i style={{ background: USE_COLOUR[u] ?? '#6c9bc7' }} />{t(`buildingUse.${u}`, { defaultValue: u })}</span>)}
      </figcaption>
    </figure>
  );
}

function HomePage({ ov, error, go }: { ov: Overview | null; error: string | null; go: (e: MouseEvent<HTMLAnchorElement>) => void }) {
  const { t, i18n } = useTranslation('portal');
  if (error) return <p className="portal-empty" role="alert">{t('failed', { message: error })}</p>;
  if (!ov) return <p className="portal-empty">{t('loading')}</p>;
  const n = (x: number) => x.toLocaleString(i18n.language === 'en' ? 'en-GB' : 'zh-CN');
  return (
    <>
      <section className="portal-hero" data-block="overview">
        <h2>{t('overview')}</h2>
        <div className="portal-hero-grid">
          <SitePlan ov={ov} />
          <dl className="portal-figures">
            <div><dt>{t('figBuildings')}</dt><dd>{t('unitBuildings', { n: n(ov.figures.buildings) })}</dd></div>
            <div><dt>{t('figArea')}</dt><dd>{t('unitM2', { n: n(ov.figures.floorArea) })}</dd></div>
            <div><dt>{t('figEnterprises')}</dt><dd>{t('unitEnterprises', { n: n(ov.figures.enterprises) })}</dd></div>
            <div><dt>{t('figVacant')}</dt><dd><a href={href('/portal/invest')} onClick={go}>{t('unitCount', { n: n(ov.figures.vacantUnits) })}</a></dd></div>
          </dl>
        </div>
      </section>
      <section data-block="latest">
        <h2>{t('latest')}</h2>
        <ArticleList items={ov.latest} go={go} />
      </section>
    </>
  );
}

function SectionPage({ section, go }: { section: Section; go: (e: MouseEvent<HTMLAnchorElement>) => void }) {
  const { t } = useTranslation('portal');
  const r = useLoad(() => api.get('/api/portal/public/articles', { query: { category: section, limit: 50 } }), [section]);
  return (
    <section data-block={section}>
      <h2>{t(section)}</h2>
      {r.error ? <p className="portal-empty" role="alert">{t('failed', { message: r.error })}</p> : r.data ? <ArticleList items={r.data.articles} go={go} /> : <p className="portal-empty">{t('loading')}</p>}
    </section>
  );
}

function SearchPage({ q, go }: { q: string; go: (e: MouseEvent<HTMLAnchorElement>) => void }) {
  const { t } = useTranslation('portal');
  const r = useLoad(() => (q ? api.get('/api/portal/public/articles', { query: { q, limit: 50 } }) : Promise.resolve({ articles: [] })), [q]);
  return (
    <section data-block="search">
      <h2>{t('searchResults', { q })}</h2>
      {r.error ? <p className="portal-empty" role="alert">{t('failed', { message: r.error })}</p> : r.data
        ? (r.data.articles.length ? <ArticleList items={r.data.articles} go={go} /> : <p className="portal-empty">{t('noResults')}</p>)
        : <p className="portal-empty">{t('loading')}</p>}
    </section>
  );
}

function InvestPage({ go }: { go: (e: MouseEvent<HTMLAnchorElement>) => void }) {
  const { t, i18n } = useTranslation('portal');
  const en = i18n.language === 'en';
  const units = useLoad(() => api.get('/api/portal/public/units', { query: parkQuery() }), []);
  const notes = useLoad(() => api.get('/api/portal/public/articles', { query: { category: 'invest', limit: 20 } }), []);
  const list: readonly Unit[] = units.data?.units ?? [];
  return (
    <>
      <section data-block="units">
        <h2>{t('vacantUnits')}</h2>
        <p className="portal-hint">{t('vacantHint')}</p>
        {units.error && <p className="portal-empty" role="alert">{t('failed', { message: units.error })}</p>}
        {units.data && list.length === 0 && <p className="portal-empty">{t('noVacant')}</p>}
        {list.length > 0 && (
          <div className="portal-table-wrap">
            <table className="portal-units" data-units={list.length}>
              <thead><tr><th>{t('colBuilding')}</th><th>{t('colUnit')}</th><th>{t('colFloor')}</th><th>{t('colArea')}</th><th>{t('colUse')}</th><th>{t('colRent')}</th></tr></thead>
              <tbody>
                {list.map((u) => (
                  <tr key={u.idx} data-unit={u.idx}>
                    <td>{en && u.buildingEn ? u.buildingEn : u.building}</td><td>{u.code}</td><td>{t('floorN', { n: u.level })}</td>
                    <td className="num">{u.area.toLocaleString(en ? 'en-GB' : 'zh-CN')}</td><td>{t(`use.${u.use}`, { defaultValue: u.use })}</td>
                    <td className="num">{u.rent === null ? '—' : u.rent.toFixed(0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section data-block="invest">
        <h2>{t('invest')}</h2>
        {notes.data ? <ArticleList items={notes.data.articles} go={go} /> : <p className="portal-empty">{t('loading')}</p>}
      </section>
    </>
  );
}

function ArticlePage({ id, go }: { id: number; go: (e: MouseEvent<HTMLAnchorElement>) => void }) {
  const { t, i18n } = useTranslation('portal');
  const en = i18n.language === 'en';
  const r = useLoad<Article>(() => api.get('/api/portal/public/articles/{id}', { params: { id } }), [id]);
  if (r.error) return <p className="portal-empty" role="alert" data-problem="not-found">{/404|not found|no published/i.test(r.error) ? t('notFound') : t('failed', { message: r.error })}</p>;
  const a = r.data;
  if (!a) return <p className="portal-empty">{t('loading')}</p>;
  const body = en && a.bodyHtmlEn ? a.bodyHtmlEn : a.bodyHtml;
  return (
    <article className="portal-article" data-article={a.id}>
      <a className="portal-back" href={href(`/portal/${a.category}`)} onClick={go}>← {t(a.category)}</a>
      <h2>{en && a.titleEn ? a.titleEn : a.title}</h2>
      <time dateTime={a.publishedAt}>{t('publishedAt', { date: dateOf(a.publishedAt, i18n.language) })}</time>
      {a.cover !== null && <img className="portal-cover" src={`/api/portal/public/images/${a.cover}`} alt="" />}
      {/* Sanitized on the server (sanitize-html allow-list) when it was published. */}
      <div className="portal-body" dangerouslySetInnerHTML={{ __html: body }} />
    </article>
  );
}
