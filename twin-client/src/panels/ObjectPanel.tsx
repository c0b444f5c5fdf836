/**
 * The drill-down panel of one twin object (room, unit, equipment, floor, building, enterprise,
 * pipe...): its name from GET /api/twin/objects/:idx, then the actions and sections that the
 * registered client modules offer for its kind (modules/registry.ts): live values, attributes
 * and history from the twin module, work orders from operations, and whatever later modules add.
 * Sections of modules switched off on the server, or needing a permission the principal lacks,
 * are not shown.
 */
import { Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client.ts';
import { followLink } from '../app/links.tsx';
import { localName } from '../i18n/index.ts';
import type { TwinController } from '../scene/controller.ts';
import { actionsFor, labelText, sectionsFor, useModuleAccess } from '../modules/registry.ts';
import type { ObjectDetails, PanelObject } from '../modules/types.ts';

export type { ObjectDetails } from '../modules/types.ts';

/** The action buttons of an object: links to other views, or module handlers. */
function Actions({ obj, ctl }: { obj: PanelObject; ctl: TwinController }) {
  const { i18n } = useTranslation();
  const access = useModuleAccess();
  const items = actionsFor(obj.kind, access)
    .map((a) => ({ a, href: a.href?.(obj) ?? null }))
    .filter((x) => x.href !== null || x.a.run);
  if (items.length === 0) return null;
  return (
    <div className="object-actions">
      {items.map(({ a, href }) => href !== null
        ? <a key={a.id} className="action" data-action={a.id} href={href} onClick={(e) => followLink(e, href)}>{labelText(a.label, i18n.language)}</a>
        : <button key={a.id} type="button" className="action" data-action={a.id} onClick={() => a.run!(obj, ctl)}>{labelText(a.label, i18n.language)}</button>)}
    </div>
  );
}

/** Props: the controller (live store) and the selected idx. */
export function ObjectPanel({ ctl, idx, onClose }: { ctl: TwinController; idx: number; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const access = useModuleAccess();
  const [details, setDetails] = useState<ObjectDetails | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    setDetails(null);
    setError(null);
    api.get('/api/twin/objects/{idx}', { params: { idx }, signal: ac.signal })
      .then(setDetails)
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e.message);
      });
    return () => ac.abort();
  }, [idx]);

  const obj: PanelObject | null = details ? { idx, kind: details.kind, details } : null;
  return (
    <aside className="panel object-panel" data-idx={idx} data-kind={details?.kind ?? ''}>
      <header>
        <div>
          <div className="kind">{details ? t(`kind.${details.kind}`) : ''}</div>
          <h2 className="object-name">{details ? localName(details) : t('panel.loading')}</h2>
        </div>
        <button type="button" className="icon" onClick={onClose} aria-label={t('panel.close')}>×</button>
      </header>
      {error && <p className="error">{t('panel.error')}: {error}</p>}
      {obj && (
        <>
          <Actions obj={obj} ctl={ctl} />
          {sectionsFor(obj.kind, access).map((s) => (
            <section key={s.id} className="panel-section" data-section={s.id}>
              {s.title && <h3>{labelText(s.title, i18n.language)}</h3>}
              <Suspense fallback={<p className="muted">{t('panel.loading')}</p>}>
                <s.component obj={obj} ctl={ctl} />
              </Suspense>
            </section>
          ))}
        </>
      )}
    </aside>
  );
}
