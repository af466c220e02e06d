import { database, primaryReads } from '#db/client';
import { articleRepository } from '#db/repositories/articles';
import { commentRepository } from '#db/repositories/comments';
import { loginAttemptRepository } from '#db/repositories/login-attempts';
import { profileRepository } from '#db/repositories/profiles';
import { sessionRepository } from '#db/repositories/sessions';
import { userRepository } from '#db/repositories/users';
import { articleService } from '#lib/articles/service';
import { sessionService } from '#lib/auth/sessions';
import { loginThrottle } from '#lib/auth/throttle';
import { signAccessToken } from '#lib/auth/tokens';
import { commentService } from '#lib/comments/service';
import { avatarSettings, awsCredentials, cacheSettings } from '#lib/config/env';
import { expiring, lazy } from '#lib/lazy';
import { profileService } from '#lib/profiles/service';
import { avatarUploads } from '#lib/uploads/avatars';
import { userService } from '#lib/users/service';

/**
 * The composition root: the one place that decides which store (a repository in db/) each domain service
 * gets. Handlers take their service from here. Each is built on first use and kept for the container's life
 * (lazy), so importing a handler reads no configuration and opens no connection. The annotations let esbuild
 * drop the services a handler never uses from its bundle.
 */
export const articles = /* @__PURE__ */ lazy(() => articleService(articleRepository(database())));

export const comments = /* @__PURE__ */ lazy(() =>
  commentService(commentRepository(database()), articles().ref),
);

/**
 * The tags in use, kept per container for TAGS_CACHE_SECONDS (a stage parameter): the list is the same for
 * every caller, read often, and may lag that long behind a new article. Unset, every request reads it.
 */
export const tagsInUse = /* @__PURE__ */ expiring(
  () => (cacheSettings().tagsTtlSeconds ?? 0) * 1000,
  () => articles().tags(),
);

export const profiles = /* @__PURE__ */ lazy(() => profileService(profileRepository(database())));

/** Is this session still open after a logout? Read on the primary: a replica may lag behind the logout. */
export const sessions = /* @__PURE__ */ lazy(() =>
  sessionService(sessionRepository(database(), primaryReads()), signAccessToken),
);

export const users = /* @__PURE__ */ lazy(() =>
  userService(userRepository(database()), sessions(), loginThrottle(loginAttemptRepository(database()))),
);

/** Upload forms for avatars, signed with the function's own role credentials (it may put only avatars). */
export const avatars = /* @__PURE__ */ lazy(() => avatarUploads(avatarSettings(), () => awsCredentials()));
