import * as z from 'zod/mini';

/** A required, trimmed, non-blank string of at most `max` characters. */
export const text = (max: number) =>
  z.string().check(
    z.trim(),
    // A blank value gets one message, not a pile of format complaints besides.
    z.minLength(1, { abort: true }),
    z.maxLength(max),
  );

/** `schema`, then `transform` applied to what it parsed (what classic zod writes `schema.transform(fn)`). */
export const transformed = <S extends z.core.$ZodType, T>(schema: S, transform: (value: z.output<S>) => T) =>
  z.pipe(schema, z.transform(transform));

/** A count from the query string: digits only, so "abc", "-1" and "1.5" are 422, never NaN or a 5xx. */
export const count = (min: number, max: number) => {
  const digits = z.string().check(z.regex(/^\d{1,9}$/, { error: 'must be a non-negative whole number' }));
  return z.pipe(transformed(digits, Number), z.number().check(z.gte(min), z.lte(max)));
};

/** A query parameter that may be left out, and is then `fallback`. */
const optionalWithDefault = <S extends z.core.$ZodType>(
  schema: S,
  fallback: z.core.util.NoUndefined<z.output<S>>,
) => z._default(z.optional(schema), fallback);

export const limit = optionalWithDefault(count(1, 100), 20);
export const offset = optionalWithDefault(count(0, Number.MAX_SAFE_INTEGER), 0);

/** An optional query filter: `?tag=` (empty) means no filter, as most clients send it. */
export const filter = (max: number) =>
  transformed(z.optional(z.string().check(z.trim(), z.maxLength(max))), (value) => value || undefined);

/** `{ [name]: schema }`: RealWorld wraps every body in an envelope named after the resource. */
export const envelope = <K extends string, S extends z.core.$ZodType>(name: K, schema: S) =>
  z.object({ [name]: schema } as Record<K, S>);

/**
 * For update bodies whose every field is optional: `{}` would change nothing, so it is rejected. A fresh
 * check per call, as classic zod's `.refine()` made one per schema.
 */
export const changesSomeField = () =>
  z.refine<object>((fields) => Object.values(fields).some((value) => value !== undefined), {
    error: 'must change at least one field',
  });

export const slugPath = z.object({ slug: text(400) });
export const usernamePath = z.object({ username: text(64) });
