/**
 * The generic record list (TanStack Table, server-side sort and keyset pagination): search,
 * state and field filters, sortable columns, previous/next pages and CSV/Excel export of the
 * filtered list. Everything is driven by the entity's meta (columns, labels, filters).
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState } from '@tanstack/react-table';
import { kitFetch, pick, type EntityMeta, type RecordItem } from './api.ts';
import './i18n.ts';

const SORTABLE: Record<string, string> = { id: 'id', createdAt: 'id', updatedAt: 'updatedAt', state: 'state' };

/** Formats an ISO time for lists (local time, minutes). */
export function shortTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The text of a field value in the UI language (enum labels, booleans). */
export function fieldText(meta: EntityMeta, field: string, v: unknown, language: string, yesNo: [string, string]): string {
  const opt = meta.fields[field]?.options?.[String(v)];
  if (opt) return pick(opt, language);
  if (typeof v === 'boolean') return v ? yesNo[0] : yesNo[1];
  return v == null ? '' : String(v);
}

/** Props of the list. */
export interface RecordListProps {
  readonly meta: EntityMeta;
  /** Fixed filters (e.g. the room a panel section shows). */
  readonly fixed?: { objectIdx?: number; mine?: boolean };
  /** Bumped by the parent to reload (after a create or transition). */
  readonly reloadKey?: number;
  readonly onOpen: (id: number) => void;
  /** Compact: no filters, no export (panel sections). */
  readonly compact?: boolean;
}

/** The list. */
export function RecordList({ meta, fixed, reloadKey, onOpen, compact }: RecordListProps) {
  const { t, i18n } = useTranslation('kit');
  const lang = i18n.language;
  const [q, setQ] = useState('');
  const [state, setState] = useState('');
  const [fieldFilters, setFieldFilters] = useState<Record<string, string>>({});
  const [sorting, setSorting] = useState<SortingState>([{ id: 'id', desc: true }]);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ items: RecordItem[]; nextCursor: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const params = useMemo(() => {
    const s = sorting[0] ?? { id: 'id', desc: true };
    const p = new URLSearchParams({ sort: SORTABLE[s.id] ?? 'id', dir: s.desc ? 'desc' : 'asc', limit: compact ? '5' : '20' });
    if (q.trim()) p.set('q', q.trim());
    if (state) p.set('state', state);
    if (fixed?.objectIdx) p.set('objectIdx', String(fixed.objectIdx));
    if (fixed?.mine) p.set('mine', '1');
    for (const [k, v] of Object.entries(fieldFilters)) if (v) p.set(`f.${k}`, v);
    return p;
  }, [sorting, q, state, fieldFilters, fixed?.objectIdx, fixed?.mine, compact]);
  const key = params.toString();
  useEffect(() => setCursors([null]), [key]);
  const cursor = cursors.at(-1) ?? null;

  useEffect(() => {
    const p = new URLSearchParams(key);
    if (cursor) p.set('cursor', cursor);
    let live = true;
    kitFetch<{ items: RecordItem[]; nextCursor: string | null }>('GET', `/api/${meta.path}?${p}`)
      .then((r) => { if (live) { setPage(r); setError(null); } })
      .catch((e: Error) => { if (live) setError(e.message); });
    return () => { live = false; };
  }, [meta.path, key, cursor, reloadKey]);

  const yesNo: [string, string] = [t('yes'), t('no')];
  const columns = useMemo<ColumnDef<RecordItem>[]>(() => meta.columns.map((c) => ({
    id: c,
    header: meta.fields[c] ? pick(meta.fields[c]!.label, lang) : t(c),
    enableSorting: c in SORTABLE,
    cell: ({ row }) => {
      const r = row.original;
      switch (c) {
        case 'id': return `#${r.id}`;
        case 'state': return <span className={`kit-state kit-state-${r.state}`} data-state={r.state}>{pick(meta.states[r.state]?.label, lang) || r.state}</span>;
        case 'object': return r.objectName ?? '';
        case 'createdAt': return shortTime(r.createdAt);
        case 'updatedAt': return shortTime(r.updatedAt);
        case 'dueAt': return r.dueAt ? <span className={r.escalatedAt ? 'kit-overdue' : ''}>{shortTime(r.dueAt)}</span> : '';
        case 'createdBy': return r.createdByName ?? '';
        case 'assignees': return String(r.assignees.length || '');
        default: return fieldText(meta, c, r.data[c], lang, yesNo);
      }
    },
  })), [meta, lang, t]);

  const table = useReactTable({
    data: page?.items ?? [], columns, state: { sorting }, onSortingChange: setSorting,
    manualSorting: true, manualPagination: true, enableMultiSort: false, getCoreRowModel: getCoreRowModel(),
  });
  const exportHref = (format: 'csv' | 'xlsx') => {
    const p = new URLSearchParams(key);
    p.delete('limit');
    p.set('format', format);
    p.set('lang', lang === 'en' ? 'en' : 'zh');
    return `/api/${meta.path}/export?${p}`;
  };

  return (
    <div className="kit-list" data-entity={meta.entity}>
      {!compact && (
        <div className="kit-toolbar">
          <input type="search" placeholder={t('search')} aria-label={t('search')} value={q} onChange={(e) => setQ(e.target.value)} data-kit="search" />
          <select value={state} onChange={(e) => setState(e.target.value)} aria-label={t('state')} data-kit="state-filter">
            <option value="">{t('allStates')}</option>
            {Object.entries(meta.states).map(([k, s]) => <option key={k} value={k}>{pick(s.label, lang)}</option>)}
          </select>
          {meta.filters.map((f) => (
            <select key={f} value={fieldFilters[f] ?? ''} aria-label={pick(meta.fields[f]?.label, lang)} data-kit={`filter-${f}`}
              onChange={(e) => setFieldFilters((x) => ({ ...x, [f]: e.target.value }))}>
              <option value="">{pick(meta.fields[f]?.label, lang)}: {t('all')}</option>
              {Object.entries(meta.fields[f]?.options ?? {}).map(([k, l]) => <option key={k} value={k}>{pick(l, lang)}</option>)}
            </select>
          ))}
          <span className="kit-spacer" />
          <a className="kit-button" href={exportHref('csv')} download data-kit="export-csv">{t('exportCsv')}</a>
          <a className="kit-button" href={exportHref('xlsx')} download data-kit="export-xlsx">{t('exportXlsx')}</a>
        </div>
      )}
      {error && <div className="kit-error" role="alert">{error}</div>}
      <table className="kit-table">
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => (
                <th key={h.id} data-col={h.id} className={h.column.getCanSort() ? 'sortable' : ''}
                  onClick={h.column.getCanSort() ? h.column.getToggleSortingHandler() : undefined}>
                  {flexRender(h.column.columnDef.header, h.getContext())}
                  {{ asc: ' ▲', desc: ' ▼' }[h.column.getIsSorted() as string] ?? ''}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} data-record={row.original.id} onClick={() => onOpen(row.original.id)} tabIndex={0}
              onKeyDown={(e) => { if (e.key === 'Enter') onOpen(row.original.id); }}>
              {row.getVisibleCells().map((cell) => <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.items.length === 0 && <div className="kit-empty">{t('empty')}</div>}
      {!page && !error && <div className="kit-empty">{t('loading')}</div>}
      {(cursors.length > 1 || page?.nextCursor) && (
        <div className="kit-pager">
          <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>{t('prev')}</button>
          <span>{t('page', { n: cursors.length })}</span>
          <button type="button" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors((c) => [...c, page.nextCursor])}>{t('next')}</button>
        </div>
      )}
    </div>
  );
}
