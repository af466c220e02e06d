import { database, primaryReads } from '#db/client';
import { sessionRepository } from '#db/repositories/sessions';
import { lazy } from '#lib/lazy';
import { sessionService } from './sessions';
import { signAccessToken } from './tokens';

export const sessions = lazy(() =>
  sessionService(sessionRepository(database(), primaryReads()), signAccessToken),
);
