import { database } from '#db/client';
import { profileRepository } from '#db/repositories/profiles';
import { lazy } from '#lib/lazy';
import { profileService } from './service';

export const profiles = lazy(() => profileService(profileRepository(database())));
