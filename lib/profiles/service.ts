import { Invalid, NotFound } from '#lib/errors';
import type { Profile } from './types';

export interface ProfileStore {
  find(username: string, viewerId?: number): Promise<(Profile & { id: number }) | undefined>;
  /**
   * Idempotent: following twice leaves one row. A pair's first follow records the `user_followed` event (the
   * "new follower" e-mail) in the same transaction; following again, even after an unfollow, records nothing.
   */
  follow(followerId: number, followeeId: number): Promise<void>;
  unfollow(followerId: number, followeeId: number): Promise<void>;
}

export function profileService(store: ProfileStore) {
  async function find(username: string, viewerId?: number) {
    const profile = await store.find(username, viewerId);
    if (!profile) throw new NotFound('profile');
    return profile;
  }
  /** The public profile, without the internal id. */
  const view = ({ id: _id, ...profile }: Profile & { id: number }): Profile => profile;

  return {
    async get(username: string, viewerId?: number): Promise<Profile> {
      return view(await find(username, viewerId));
    },
    async follow(viewerId: number, username: string): Promise<Profile> {
      const profile = await find(username, viewerId);
      if (profile.id === viewerId) throw new Invalid({ username: ['cannot follow yourself'] });
      await store.follow(viewerId, profile.id);
      return { ...view(profile), following: true };
    },
    async unfollow(viewerId: number, username: string): Promise<Profile> {
      const profile = await find(username, viewerId);
      await store.unfollow(viewerId, profile.id);
      return { ...view(profile), following: false };
    },
  };
}
