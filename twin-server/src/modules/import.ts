/**
 * POST /api/import/buildings: the GeoJSON importer over HTTP. The body is the FeatureCollection
 * itself (bounded by the app's JSON body limit); options are query parameters.
 */
import { z } from 'zod';
import type { TwinModule } from './types.ts';
import { appendAudit } from '../auth/audit.ts';
import { importBuildings } from '../import/buildings.ts';
import { ImportError, formatProblem } from '../import/problems.ts';
import { queryOf } from '../http/input.ts';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Query parameters of the import route. */
export const importQuery = z.object({
  park: z.string().min(1).max(64).optional(),
  floors: z.enum(['auto', 'none']).default('auto'),
  units: z.enum(['auto', 'none']).default('auto'),
  replace: flag.default(false),
  dryRun: flag.default(false),
  /** Field mapping: the file property holding each field (default: our names; `h` counts as height). */
  mapHeight: z.string().min(1).max(64).optional(),
  mapFloors: z.string().min(1).max(64).optional(),
  mapName: z.string().min(1).max(64).optional(),
  mapCode: z.string().min(1).max(64).optional(),
  /** Unknown properties: kept as the building's attributes (default) or ignored, with a warning either way. */
  unknown: z.enum(['keep', 'ignore']).default('keep'),
  /** Import the valid features, skip the invalid ones (listed in the report) instead of refusing the file. */
  skipInvalid: flag.default(false),
}).strict();

/** The body: a GeoJSON FeatureCollection, checked by the importer itself (every problem listed in a 422). */
const importBody = z.unknown().describe('GeoJSON FeatureCollection (RFC 7946, WGS 84) of building footprints with height, floors and use');

const problem = z.object({ feature: z.number().int().nullable(), ref: z.string(), field: z.string().optional(), message: z.string() });
const group = z.object({ kind: z.string(), count: z.number().int(), example: z.string() });

/** What an import did (or, in a dry run, would do); see ImportReport. */
const importReportSchema = z.object({
  park: z.object({ idx: z.number().int(), code: z.string() }),
  dryRun: z.boolean(),
  features: z.number().int(),
  created: z.object({ building: z.number().int(), floor: z.number().int(), room: z.number().int() }),
  units: z.number().int(),
  replaced: z.object({ building: z.number().int(), floor: z.number().int(), room: z.number().int(), equipment: z.number().int(), lease: z.number().int() }),
  warnings: z.array(problem),
  warningGroups: z.array(group),
  skipped: z.object({ features: z.number().int(), groups: z.array(group), problems: z.array(problem), omitted: z.number().int() }),
  buildings: z.array(z.object({
    feature: z.number().int(), code: z.string(), idx: z.number().int().nullable(), name: z.string(), height: z.number(),
    floorsAbove: z.number().int(), floorsBelow: z.number().int(), units: z.number().int(), replaced: z.boolean(),
  })),
});

/** The import module: one route, `park:write`. */
export const importModule: TwinModule = {
  name: 'import',
  routes: (sc) => [
    {
      method: 'POST',
      path: '/api/import/buildings',
      permission: 'park:write',
      summary: 'Import building footprints (GeoJSON FeatureCollection) with floors and units; 422 lists every problem',
      query: importQuery, body: importBody, response: importReportSchema, errors: [422],
      async handler(ctx) {
        const q = queryOf(ctx, importQuery);
        const p = ctx.state.principal;
        const actor = p ? { kind: p.kind, id: p.id, name: p.name } : undefined;
        try {
          const report = await importBuildings(sc.db, ctx.request.body, {
            floors: q.floors, units: q.units, replace: q.replace, dryRun: q.dryRun, unknown: q.unknown, skipInvalid: q.skipInvalid,
            mapping: { ...(q.mapHeight ? { height: q.mapHeight } : {}), ...(q.mapFloors ? { floors: q.mapFloors } : {}),
              ...(q.mapName ? { name: q.mapName } : {}), ...(q.mapCode ? { code: q.mapCode } : {}) },
            ...(q.park !== undefined ? { parkCode: q.park } : {}),
            audit: (tx, outcome, detail) => appendAudit(tx, {
              action: 'import.buildings', outcome, ...(actor ? { actor } : {}), object: `park:${String(detail.park ?? '?')}`,
              source: ctx.ip, detail,
            }, new Date()),
          });
          sc.log.info({ requestId: ctx.state.requestId, park: report.park.code, created: report.created, dryRun: report.dryRun }, 'import accepted');
          ctx.body = report;
        } catch (e) {
          if (!(e instanceof ImportError)) throw e;
          const count = e.problems.length + e.omitted;
          sc.log.info({ requestId: ctx.state.requestId, user: p?.name, problems: count, first: e.problems[0] && formatProblem(e.problems[0]) }, 'import rejected');
          ctx.status = 422;
          ctx.body = {
            error: {
              status: 422, message: `import rejected, nothing was written: ${count} problem${count === 1 ? '' : 's'}`,
              requestId: ctx.state.requestId, groups: e.groups, problems: e.problems, omitted: e.omitted, warnings: e.warnings,
            },
          };
        }
      },
    },
  ],
};
