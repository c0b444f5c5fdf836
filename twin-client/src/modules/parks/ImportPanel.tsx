/**
 * The footprint import of the parks page: a GeoJSON file into a chosen park with a field mapping
 * (which property holds the height, floors, name and code; `h` counts as height), unknown
 * properties kept as attributes or ignored, invalid features refused or skipped. The answer is
 * shown as the server groups it: problems by kind with their counts first (most frequent first),
 * then every problem; warnings the same way; a check (dry run) writes nothing.
 */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, csrfToken } from '../../api/client.ts';
import { FilePick } from './FilePick.tsx';

interface Problem { feature: number | null; ref: string; field?: string; message: string }
interface Group { kind: string; count: number; example: string }
interface Report {
  park: { code: string }; dryRun: boolean; features: number;
  created: { building: number; floor: number; room: number }; units: number;
  warnings: Problem[]; warningGroups: Group[];
  skipped: { features: number; groups: Group[]; problems: Problem[]; omitted: number };
}
interface Refusal { message: string; groups: Group[]; problems: Problem[]; omitted: number; warnings?: Problem[] }

const FIELDS = ['height', 'floors', 'name', 'code'] as const;
const QUERY_KEY = { height: 'mapHeight', floors: 'mapFloors', name: 'mapName', code: 'mapCode' } as const;

/** Groups as a list: count × kind, with the first example under it. */
function Groups({ groups, kind }: { groups: readonly Group[]; kind: 'problem' | 'warning' | 'skipped' }) {
  return (
    <ol className="import-groups" data-groups={kind}>
      {groups.map((g) => (
        <li key={g.kind} data-group-count={g.count}>
          <strong>{g.count} ×</strong> <code>{g.kind}</code>
          <div className="import-example">{g.example}</div>
        </li>
      ))}
    </ol>
  );
}

/** The import section; `parks` are the codes to import into, `onDone` reloads the list. */
export function ImportPanel({ parks, onDone }: { parks: readonly { code: string; name: string }[]; onDone: () => Promise<void> }) {
  const { t } = useTranslation('parks');
  const [park, setPark] = useState('');
  const [file, setFile] = useState<{ name: string; text: string; props: string[]; n: number } | null>(null);
  const [map, setMap] = useState<Record<(typeof FIELDS)[number], string>>({ height: '', floors: '', name: '', code: '' });
  const [unknown, setUnknown] = useState<'keep' | 'ignore'>('keep');
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report | null>(null);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const target = park || parks[0]?.code || '';
  const listId = useMemo(() => `import-props-${Math.random().toString(36).slice(2, 8)}`, []);

  const onFile = async (f: File | undefined) => {
    setReport(null);
    setRefusal(null);
    if (!f) return setFile(null);
    const text = await f.text();
    let props: string[] = [];
    let n = 0;
    try {
      const doc = JSON.parse(text) as { features?: Array<{ properties?: Record<string, unknown> | null }> };
      n = doc.features?.length ?? 0;
      props = [...new Set((doc.features ?? []).flatMap((x) => Object.keys(x.properties ?? {})))].sort();
    } catch {
      // The server names what is wrong with it.
    }
    setFile({ name: f.name, text, props, n });
  };

  const run = async (dryRun: boolean) => {
    if (!file || !target) return;
    setBusy(true);
    setReport(null);
    setRefusal(null);
    try {
      const query: Record<string, string> = { park: target, unknown, skipInvalid: String(skipInvalid), dryRun: String(dryRun) };
      for (const k of FIELDS) if (map[k].trim()) query[QUERY_KEY[k]] = map[k].trim();
      const r = await fetch(apiUrl('/api/import/buildings', undefined, query), {
        method: 'POST', credentials: 'same-origin', body: file.text,
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
      });
      const j = (await r.json().catch(() => null)) as (Report & { error?: Refusal }) | null;
      if (!r.ok) {
        setRefusal({ message: j?.error?.message ?? `${r.status} ${r.statusText}`, groups: j?.error?.groups ?? [], problems: j?.error?.problems ?? [], omitted: j?.error?.omitted ?? 0 });
        return;
      }
      setReport(j);
      if (!dryRun) await onDone();
    } catch (e) {
      setRefusal({ message: (e as Error).message, groups: [], problems: [], omitted: 0 });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="parks-import" data-section="import">
      <h2>{t('importTitle')}</h2>
      <div className="parks-fields">
        <label>{t('importPark')}
          <select data-field="import-park" value={target} onChange={(e) => setPark(e.target.value)}>
            {parks.map((p) => <option key={p.code} value={p.code}>{p.name} ({p.code})</option>)}
          </select>
        </label>
        <FilePick label={t('footprints')} button={t('chooseFile')} chosen={file?.name ?? t('noFile')} accept=".geojson,.json,application/geo+json" field="import-file" onFile={(f) => void onFile(f)} />
      </div>
      {file && <p className="parks-hint">{t('importFile', { n: file.n, props: file.props.join(', ') || '—' })}</p>}
      <fieldset className="parks-mapping">
        <legend>{t('mapping')}</legend>
        <datalist id={listId}>{file?.props.map((p) => <option key={p} value={p} />)}</datalist>
        {FIELDS.map((k) => (
          <label key={k}>{t(`map_${k}`)}
            <input data-map={k} list={listId} value={map[k]} placeholder={t(`mapDefault_${k}`)} onChange={(e) => setMap({ ...map, [k]: e.target.value })} />
          </label>
        ))}
        <label>{t('unknownProps')}
          <select data-field="unknown" value={unknown} onChange={(e) => setUnknown(e.target.value as 'keep' | 'ignore')}>
            <option value="keep">{t('unknownKeep')}</option>
            <option value="ignore">{t('unknownIgnore')}</option>
          </select>
        </label>
        <label className="parks-inline"><input type="checkbox" data-field="skip-invalid" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} />{t('skipInvalid')}</label>
      </fieldset>
      <div className="parks-actions">
        <button type="button" data-action="import-check" disabled={!file || busy} onClick={() => void run(true)}>{t('importCheck')}</button>
        <button type="button" className="primary" data-action="import" disabled={!file || busy} onClick={() => void run(false)}>{busy ? t('importing') : t('importRun')}</button>
      </div>
      {refusal && (
        <div className="import-report import-refused" role="alert" data-outcome="refused">
          <p className="parks-error">{t('importRefused', { n: refusal.problems.length + refusal.omitted })}</p>
          {refusal.groups.length > 0 && <Groups groups={refusal.groups} kind="problem" />}
          {refusal.groups.length === 0 && <p>{refusal.message}</p>}
          {refusal.problems.length > 0 && (
            <details>
              <summary>{t('allProblems', { n: refusal.problems.length })}</summary>
              <ul>{refusal.problems.map((p, i) => <li key={i}>{p.ref}{p.field ? ` ${p.field}` : ''}: {p.message}</li>)}</ul>
            </details>
          )}
        </div>
      )}
      {report && (
        <div className="import-report" role="status" data-outcome={report.dryRun ? 'checked' : 'imported'}>
          <p className="parks-ok" data-created={report.created.building}>
            {t(report.dryRun ? 'importChecked' : 'importDone', { park: report.park.code, buildings: report.created.building, floors: report.created.floor, rooms: report.created.room, units: report.units })}
          </p>
          {report.skipped.features > 0 && (
            <>
              <p className="parks-error">{t('importSkipped', { n: report.skipped.features })}</p>
              <Groups groups={report.skipped.groups} kind="skipped" />
            </>
          )}
          {report.warningGroups.length > 0 && (
            <>
              <p>{t('importWarnings', { n: report.warnings.length })}</p>
              <Groups groups={report.warningGroups} kind="warning" />
              <details>
                <summary>{t('allWarnings', { n: report.warnings.length })}</summary>
                <ul>{report.warnings.map((p, i) => <li key={i}>{p.ref}{p.field ? ` ${p.field}` : ''}: {p.message}</li>)}</ul>
              </details>
            </>
          )}
        </div>
      )}
    </section>
  );
}
