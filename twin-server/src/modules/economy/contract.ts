/** Route-contract cases of this module (one per route; collected by twin-server/src/http/openapi.test.ts). */
import type { HttpClient } from '../../auth/testing.ts';
import { q, type ContractCases, type Fixture } from '../../http/contract.ts';
import { rawUploadClient } from '../repairs/testing.ts';
import { addMonths } from '../../seed/dates.ts';
import { closedMonth, reportXlsx, SAMPLE_FIGURES } from './testing.ts';

/** An account of the fixture's enterprise (economy:write is held by enterprise accounts). */
const filer = async (f: Fixture): Promise<HttpClient> => (await f.s.userWith(['enterprise_user'], f.ids.enterprise)).client;
/** A closed month `back` months before the last one, so the cases never file the same month twice. */
const monthBack = (back: number) => addMonths(`${closedMonth(Date.now())}-01`, -back).slice(0, 7);
/** Files a month and returns the filing's id and version. */
async function filed(f: Fixture, back: number): Promise<{ id: number; version: number }> {
  const r = await (await filer(f)).req('POST', '/api/economy/filings', { month: monthBack(back), ...SAMPLE_FIGURES });
  if (r.status !== 200) throw new Error(`filing not made: ${r.status} ${r.text}`);
  return (r.body as { filing: { id: number; version: number } }).filing;
}

export const CONTRACT: ContractCases = {
  // monthly economic filings (modules/economy)
  'GET /api/economy/template': async (f) => ({ client: await filer(f), path: `/api/economy/template${q({ month: monthBack(0) })}` }),
  'GET /api/economy/filings': async (f) => (await filed(f, 5), { client: await f.as('economy:review'), path: `/api/economy/filings${q({ status: 'submitted' })}` }),
  'GET /api/economy/filings/:id': async (f) => ({ client: await f.as('economy:review'), path: `/api/economy/filings/${(await filed(f, 1)).id}` }),
  'POST /api/economy/filings': async (f) => ({ client: await filer(f), path: '/api/economy/filings', body: { month: monthBack(0), ...SAMPLE_FIGURES } }),
  'POST /api/economy/filings/upload': async (f) => ({
    client: rawUploadClient(await filer(f), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', await reportXlsx(monthBack(4), SAMPLE_FIGURES)),
    path: '/api/economy/filings/upload',
  }),
  'POST /api/economy/filings/:id/approve': async (f) => {
    const x = await filed(f, 2);
    return { client: await f.as('economy:review'), path: `/api/economy/filings/${x.id}/approve`, body: { version: x.version } };
  },
  'POST /api/economy/filings/:id/return': async (f) => {
    const x = await filed(f, 3);
    return { client: await f.as('economy:review'), path: `/api/economy/filings/${x.id}/return`, body: { version: x.version, note: '请核对税收' } };
  },
};
