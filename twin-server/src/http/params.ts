/**
 * Path and query parameters shared by the modules: a park code and a twin object's idx, each
 * validated once here so every route answers bad input with the same clear 400 (routes declare
 * them through `http/schemas.ts`: `idxParams`, `codeParams`).
 */
import { z } from 'zod';

/** A park code: lower-case letters, digits and dashes, 2-63 characters. */
export const PARK_CODE = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** A twin object's idx (a positive int4). */
export const idxParam = z.coerce.number<string>().int().min(1).max(0x7fffffff);
