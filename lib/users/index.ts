import { database } from '#db/client';
import { loginAttemptRepository } from '#db/repositories/login-attempts';
import { userRepository } from '#db/repositories/users';
import { sessions } from '#lib/auth/index';
import { loginThrottle } from '#lib/auth/throttle';
import { lazy } from '#lib/lazy';
import { userService } from './service';

export const users = lazy(() =>
  userService(userRepository(database()), sessions(), loginThrottle(loginAttemptRepository(database()))),
);
