import { database } from '#db/client';
import { userRepository } from '#db/repositories/users';
import { sessions } from '#lib/auth/index';
import { lazy } from '#lib/lazy';
import { userService } from './service';

export const users = lazy(() => userService(userRepository(database()), sessions()));
