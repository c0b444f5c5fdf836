/**
 * Zod building blocks shared by route declarations: path parameters and wire shapes that several
 * modules answer with. JSON has no Date: timestamps are ISO strings on the wire.
 */
import { z } from 'zod';
import { PARK_CODE, idxParam } from './params.ts';

/** `:idx` path parameter (a twin object's idx). */
export const idxParams = z.object({ idx: idxParam });

/** `:code` path parameter (a park code). */
export const codeParams = z.object({ code: z.string().regex(PARK_CODE, 'invalid park code') });

/** `:id` path parameter that is a positive integer (alarms, bookmarks). */
export const intIdParams = z.object({ id: z.coerce.number<string>().int().min(1, 'id must be a positive integer').max(0x7fffffff, 'id must be a positive integer') });

/** A timestamp as JSON carries it (ISO 8601). */
export const isoTime = z.string();

/** `{ ok: true }` acknowledgements. */
export const okResponse = z.object({ ok: z.literal(true) });

/** A name with its optional English form, as most twin objects carry it. */
export const named = { name: z.string(), nameEn: z.string().nullable() };
