import { createHash } from 'node:crypto';
import { database } from '#db/client';
import { idempotencyRepository } from '#db/repositories/idempotency';
import { idempotencyService } from '#lib/idempotency/service';
import { lazy } from '#lib/lazy';

/** What route() loads on demand for a request with an Idempotency-Key (the `idempotent` route option). */
export const idempotency = lazy(() => idempotencyService(idempotencyRepository(database())));

/** What a request with a key asked (its validated path and body, as JSON). */
export const requestHashOf = (request: string) => createHash('sha256').update(request).digest('hex');
