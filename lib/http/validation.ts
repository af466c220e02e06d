import * as z from 'zod/mini';
import { Invalid, type FieldErrors } from '#lib/errors';

type Issue = z.core.$ZodRawIssue;

/**
 * Messages in the RealWorld style ("can't be blank"), keyed by the field they belong to (the last named
 * key of the issue's path: `article.tagList[2]` reports under `tagList`).
 */
export function message(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.input === null
        ? "can't be blank"
        : `must be ${article(issue.expected)}`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1 || issue.input === ''
          ? "can't be blank"
          : `is too short (minimum is ${issue.minimum} characters)`;
      if (issue.origin === 'array') return `must have at least ${issue.minimum} items`;
      return `must be greater than or equal to ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `is too long (maximum is ${issue.maximum} characters)`;
      if (issue.origin === 'array') return `has too many items (maximum is ${issue.maximum})`;
      return `must be less than or equal to ${issue.maximum}`;
    case 'invalid_format':
      return 'is invalid';
    default:
      return issue.message ?? 'is invalid';
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

export function fieldOf(path: readonly PropertyKey[] | undefined): string {
  const named = (path ?? []).filter((key): key is string => typeof key === 'string');
  return named.at(-1) ?? 'body';
}

/** Parses `value` with `schema`, or throws Invalid with every problem found, keyed by field. */
export function parse<S extends z.core.$ZodType>(schema: S, value: unknown): z.output<S> {
  const result = z.safeParse(schema, value, { error: message });
  if (result.success) return result.data;
  const errors: FieldErrors = {};
  // Zod 4 still runs length checks on a wrong-typed value that has a length (`[]` for a string): the
  // type message alone is the useful one.
  const key = (issue: z.core.$ZodIssue) => JSON.stringify(issue.path);
  const wrongType = new Set(result.error.issues.filter((i) => i.code === 'invalid_type').map(key));
  for (const issue of result.error.issues) {
    if (issue.code !== 'invalid_type' && wrongType.has(key(issue))) continue;
    const messages = (errors[fieldOf(issue.path)] ??= []);
    if (!messages.includes(issue.message)) messages.push(issue.message);
  }
  throw new Invalid(errors);
}
