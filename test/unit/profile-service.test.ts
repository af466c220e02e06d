import { Invalid, NotFound } from '#lib/errors';
import { profileService, type ProfileStore } from '#lib/profiles/service';
import type { Profile } from '#lib/profiles/types';

/** A ProfileStore over a list of users and a set of "follower→followee" pairs. */
class FakeProfileStore implements ProfileStore {
  follows = new Set<string>();
  calls: string[] = [];
  constructor(private readonly users: { id: number; username: string; bio: string | null }[]) {}

  async find(username: string, viewerId?: number): Promise<(Profile & { id: number }) | undefined> {
    const user = this.users.find((u) => u.username === username);
    if (!user) return undefined;
    const following = viewerId !== undefined && this.follows.has(`${viewerId}→${user.id}`);
    return { id: user.id, username: user.username, bio: user.bio, image: null, following };
  }

  async follow(followerId: number, followeeId: number) {
    this.calls.push(`follow ${followerId}→${followeeId}`);
    this.follows.add(`${followerId}→${followeeId}`);
  }

  async unfollow(followerId: number, followeeId: number) {
    this.calls.push(`unfollow ${followerId}→${followeeId}`);
    this.follows.delete(`${followerId}→${followeeId}`);
  }
}

function setup() {
  const store = new FakeProfileStore([
    { id: 1, username: 'jake', bio: 'skater' },
    { id: 2, username: 'celeb', bio: null },
  ]);
  return { store, service: profileService(store) };
}

describe('profileService.get', () => {
  it('returns the profile without the internal id', async () => {
    // Arrange
    const { service } = setup();

    // Act
    const profile = await service.get('jake');

    // Assert
    expect(profile).toEqual({ username: 'jake', bio: 'skater', image: null, following: false });
  });

  it('reports following relative to the viewer', async () => {
    // Arrange
    const { store, service } = setup();
    store.follows.add('1→2');

    // Act
    const asFollower = await service.get('celeb', 1);
    const anonymous = await service.get('celeb');

    // Assert
    expect(asFollower.following).toBe(true);
    expect(anonymous.following).toBe(false);
  });

  it('answers NotFound(profile) for an unknown username', async () => {
    // Arrange
    const { service } = setup();

    // Act
    const attempt = service.get('nobody');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(NotFound);
    await expect(attempt).rejects.toMatchObject({ errors: { profile: ['not found'] } });
  });
});

describe('profileService.follow', () => {
  it('follows and returns the profile with following true', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const profile = await service.follow(1, 'celeb');

    // Assert
    expect(profile).toEqual({ username: 'celeb', bio: null, image: null, following: true });
    expect(store.follows.has('1→2')).toBe(true);
  });

  it('rejects following yourself with Invalid and stores nothing', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const attempt = service.follow(1, 'jake');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(Invalid);
    await expect(attempt).rejects.toMatchObject({ errors: { username: [expect.any(String)] } });
    expect(store.calls).toEqual([]);
  });

  it('answers NotFound for an unknown username and stores nothing', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const attempt = service.follow(1, 'nobody');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(NotFound);
    expect(store.calls).toEqual([]);
  });
});

describe('profileService.unfollow', () => {
  it('unfollows and returns the profile with following false', async () => {
    // Arrange
    const { store, service } = setup();
    store.follows.add('1→2');

    // Act
    const profile = await service.unfollow(1, 'celeb');

    // Assert
    expect(profile.following).toBe(false);
    expect(store.follows.has('1→2')).toBe(false);
  });

  it('answers NotFound for an unknown username', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const attempt = service.unfollow(1, 'nobody');

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(NotFound);
    expect(store.calls).toEqual([]);
  });
});
