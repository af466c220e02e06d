import * as z from 'zod';

/** A required, trimmed, non-blank string of at most `max` characters. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    // A blank value gets one message, not a pile of format complaints besides.
    .min(1, { abort: true })
    .max(max);

/** A count from the query string: digits only, so "abc", "-1" and "1.5" are 422, never NaN or a 5xx. */
export const count = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, { error: 'must be a non-negative whole number' })
    .transform(Number)
    .pipe(z.number().min(min).max(max));

export const limit = count(1, 100).optional().default(20);
export const offset = count(0, Number.MAX_SAFE_INTEGER).optional().default(0);

/** An optional query filter: `?tag=` (empty) means no filter, as most clients send it. */
export const filter = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((value) => value || undefined);

/** `{ [name]: schema }`: RealWorld wraps every body in an envelope named after the resource. */
export const envelope = <K extends string, S extends z.ZodType>(name: K, schema: S) =>
  z.object({ [name]: schema } as Record<K, S>);

export const slugPath = z.object({ slug: text(400) });
export const usernamePath = z.object({ username: text(64) });
