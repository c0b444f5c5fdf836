/** The G5 coverage check of the video view: per category, places without a camera (GET /api/video/coverage). */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type GetAnswer } from '../../api/client.ts';

type Coverage = GetAnswer<'/api/video/coverage'>;

/** The table (needs the park code). */
export function CoverageCheck({ park }: { park: string }) {
  const { t } = useTranslation('video');
  const [data, setData] = useState<Coverage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    api.get('/api/video/coverage', { query: { park }, signal: ac.signal }).then(setData).catch((e: Error) => {
      if (e.name !== 'AbortError') setError(e.message);
    });
    return () => ac.abort();
  }, [park]);
  if (error) return <p className="error">{t('error')}</p>;
  if (!data) return <p className="muted">{t('loading')}</p>;
  return (
    <table className="video-coverage" data-coverage={park}>
      <thead><tr><th>{t('coverageCategory')}</th><th>{t('coveragePlaces')}</th><th>{t('coverageMissing')}</th><th>{t('cameras')}</th></tr></thead>
      <tbody>
        {data.categories.map((c) => (
          <tr key={c.category} data-category={c.category} className={c.missing ? 'missing' : ''}>
            <td>{t(`coverage.${c.category}`)}</td>
            <td>{c.places ?? '—'}</td>
            <td title={c.examples.map((e) => e.name).join('\n')}>{c.missing ?? '—'}</td>
            <td>{c.cameras}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
