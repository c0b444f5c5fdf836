/**
 * A whole records view from an entity's meta: the list, a create form and the detail of the
 * selected record. The URL carries the state (`?id=` opens a record, `?new=1&object=<idx>` opens
 * the create form attached to a twin object), so notifications and panel actions link into it.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { kitFetch, pick, type EntityMeta, type RecordItem } from './api.ts';
import { RecordList } from './RecordList.tsx';
import { RecordDetail } from './RecordDetail.tsx';
import { RecordForm } from './RecordForm.tsx';
import './i18n.ts';
import './kit.css';

/** Loads an entity's meta (null while loading; throws into `error`). */
export function useEntityMeta(path: string): { meta: EntityMeta | null; error: string | null } {
  const [meta, setMeta] = useState<EntityMeta | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    kitFetch<EntityMeta>('GET', `/api/${path}/meta`).then((m) => live && setMeta(m)).catch((e: Error) => live && setError(e.message));
    return () => { live = false; };
  }, [path]);
  return { meta, error };
}

function readUrl(): { id: number | null; creating: boolean; object: number | null } {
  const q = new URLSearchParams(location.search);
  const n = (k: string) => (/^\d{1,12}$/.test(q.get(k) ?? '') ? Number(q.get(k)) : null);
  return { id: n('id'), creating: q.get('new') === '1', object: n('object') };
}

function setUrl(next: { id?: number | null; creating?: boolean; object?: number | null }): void {
  const q = new URLSearchParams(location.search);
  for (const k of ['id', 'new', 'object']) q.delete(k);
  if (next.id) q.set('id', String(next.id));
  if (next.creating) q.set('new', '1');
  if (next.creating && next.object) q.set('object', String(next.object));
  const s = q.toString();
  history.replaceState(null, '', s ? `${location.pathname}?${s}` : location.pathname);
}

/** Props of the page. */
export interface RecordsPageProps {
  /** The entity's API path (`repairs` for /api/repairs). */
  readonly path: string;
  /** Fields of the create form, in order (default: every field accepted at create). */
  readonly createFields?: readonly string[];
}

/** The page. */
export function RecordsPage({ path, createFields }: RecordsPageProps) {
  const { t, i18n } = useTranslation('kit');
  const { meta, error } = useEntityMeta(path);
  const [url, setUrlState] = useState(readUrl);
  const [reload, setReload] = useState(0);
  // Bumped on every navigation, so following a link to the record already open reloads it.
  const [visit, setVisit] = useState(0);
  const [objectName, setObjectName] = useState<string | null>(null);
  useEffect(() => {
    const on = () => {
      setUrlState(readUrl());
      setVisit((n) => n + 1);
    };
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  useEffect(() => {
    if (!url.creating || !url.object) return setObjectName(null);
    kitFetch<{ name: string; nameEn: string | null }>('GET', `/api/twin/objects/${url.object}`)
      .then((o) => setObjectName(i18n.language === 'en' ? o.nameEn ?? o.name : o.name)).catch(() => setObjectName(null));
  }, [url.creating, url.object, i18n.language]);
  const go = useCallback((next: { id?: number | null; creating?: boolean; object?: number | null }) => {
    setUrl(next);
    setUrlState(readUrl());
  }, []);
  if (error) return <div className="center-message" data-problem="kit">{error}</div>;
  if (!meta) return <div className="center-message">{t('loading')}</div>;
  const fields = createFields ?? Object.keys(meta.fields).filter((f) => meta.fields[f]!.onCreate);
  return (
    <div className="kit-page" data-entity={meta.entity}>
      <div className="kit-page-list">
        <div className="kit-page-head">
          <h2>{pick(meta.label, i18n.language)}</h2>
          {meta.can.create && <button type="button" className="primary" data-kit="create" onClick={() => go({ creating: true })}>{t('create')}</button>}
        </div>
        <RecordList meta={meta} reloadKey={reload} onOpen={(id) => go({ id })} />
      </div>
      {(url.creating || url.id) && (
        <aside className="kit-page-side panel">
          {url.creating ? (
            <>
              <div className="kit-detail-head">
                <h3>{t('newTitle', { label: pick(meta.label, i18n.language) })}</h3>
                <button type="button" className="kit-close" onClick={() => go({})} aria-label={t('close')}>×</button>
              </div>
              {objectName && <p className="kit-object" data-kit="object">{t('object')}: {objectName}</p>}
              <RecordForm meta={meta} name="create" fields={fields} submitLabel={t('submit')} onCancel={() => go({})}
                onSubmit={async (data) => {
                  const r = await kitFetch<RecordItem>('POST', `/api/${meta.path}`, { objectIdx: url.object, data });
                  setReload((n) => n + 1);
                  go({ id: r.id });
                }} />
            </>
          ) : (
            <RecordDetail key={`${url.id}-${visit}`} meta={meta} id={url.id!} onChanged={() => setReload((n) => n + 1)} onClose={() => go({})} />
          )}
        </aside>
      )}
    </div>
  );
}
