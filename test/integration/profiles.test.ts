import { closeDatabase } from '#db/client';
import { api } from '../support/api';
import { registerUser, unique, type TestUser } from '../support/fixtures';

afterAll(closeDatabase);

const profileNotFound = { errors: { profile: ['not found'] } };
const tokenMissing = { errors: { token: ['is missing'] } };

describe('GET /api/profiles/:username', () => {
  let celeb: TestUser;
  beforeAll(async () => {
    celeb = await registerUser();
  });

  test('anonymous viewers get the profile with following false', async () => {
    const response = await api.get(`/api/profiles/${celeb.username}`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      profile: { username: celeb.username, bio: null, image: null, following: false },
    });
  });

  test('a signed-in viewer who does not follow gets following false', async () => {
    const viewer = await registerUser();

    const response = await api.get(`/api/profiles/${celeb.username}`, { token: viewer.token });

    expect(response.status).toBe(200);
    expect(response.body.profile).toEqual({
      username: celeb.username,
      bio: null,
      image: null,
      following: false,
    });
  });

  test('an unknown username is 404 profile not found', async () => {
    const response = await api.get(`/api/profiles/${unique('ghost')}`);

    expect(response.status).toBe(404);
    expect(response.body).toEqual(profileNotFound);
  });

  test('an unknown username is 404 for signed-in viewers too', async () => {
    const viewer = await registerUser();

    const response = await api.get(`/api/profiles/${unique('ghost')}`, { token: viewer.token });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(profileNotFound);
  });

  test('an invalid token is 401 even though the route allows anonymous viewers', async () => {
    const response = await api.get(`/api/profiles/${celeb.username}`, { token: 'a.b.c' });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is invalid'] } });
  });

  test('a token sent with another scheme is 401 saying how to send it, though anonymous viewers are welcome', async () => {
    const viewer = await registerUser();

    const response = await api.get(`/api/profiles/${celeb.username}`, {
      headers: { authorization: `JWT ${viewer.token}` },
    });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      errors: { token: ['must be sent as "Authorization: Token <jwt>" (or Bearer)'] },
    });
  });

  test('a percent-encoded non-ASCII username is found', async () => {
    const username = `${unique('ü')}ñ`;
    await registerUser({ username, email: `${unique()}@example.com` });

    const response = await api.get(`/api/profiles/${encodeURIComponent(username)}`);

    expect(response.status).toBe(200);
    expect(response.body.profile.username).toBe(username);
  });
});

describe('POST /api/profiles/:username/follow', () => {
  test('follows: 200 with following true, and GET with the token shows it', async () => {
    const [fan, celeb] = [await registerUser(), await registerUser()];

    const response = await api.post(`/api/profiles/${celeb.username}/follow`, undefined, {
      token: fan.token,
    });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      profile: { username: celeb.username, bio: null, image: null, following: true },
    });
    const seen = await api.get(`/api/profiles/${celeb.username}`, { token: fan.token });
    expect(seen.body.profile.following).toBe(true);
    const anonymous = await api.get(`/api/profiles/${celeb.username}`);
    expect(anonymous.body.profile.following).toBe(false);
  });

  test('following only affects the follower: a third user still sees following false', async () => {
    const [fan, celeb, bystander] = [await registerUser(), await registerUser(), await registerUser()];
    await api.post(`/api/profiles/${celeb.username}/follow`, undefined, { token: fan.token });

    const response = await api.get(`/api/profiles/${celeb.username}`, { token: bystander.token });

    expect(response.body.profile.following).toBe(false);
  });

  test('is idempotent: following twice is 200 both times and still following', async () => {
    const [fan, celeb] = [await registerUser(), await registerUser()];

    const first = await api.post(`/api/profiles/${celeb.username}/follow`, undefined, { token: fan.token });
    const second = await api.post(`/api/profiles/${celeb.username}/follow`, undefined, { token: fan.token });

    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.profile.following).toBe(true);
    const seen = await api.get(`/api/profiles/${celeb.username}`, { token: fan.token });
    expect(seen.body.profile.following).toBe(true);
  });

  test('following twice at the same time leaves one follow that one unfollow removes', async () => {
    const [fan, celeb] = [await registerUser(), await registerUser()];

    const responses = await Promise.all(
      [1, 2, 3].map(() =>
        api.post(`/api/profiles/${celeb.username}/follow`, undefined, { token: fan.token }),
      ),
    );
    await api.delete(`/api/profiles/${celeb.username}/follow`, { token: fan.token });

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const seen = await api.get(`/api/profiles/${celeb.username}`, { token: fan.token });
    expect(seen.body.profile.following).toBe(false);
  });

  test('without a token is 401 token is missing', async () => {
    const celeb = await registerUser();

    const response = await api.post(`/api/profiles/${celeb.username}/follow`);

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenMissing);
  });

  test('without a token is 401 even for an unknown username (auth before existence)', async () => {
    const response = await api.post(`/api/profiles/${unique('ghost')}/follow`);

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenMissing);
  });

  test('an unknown username is 404 profile not found', async () => {
    const fan = await registerUser();

    const response = await api.post(`/api/profiles/${unique('ghost')}/follow`, undefined, {
      token: fan.token,
    });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(profileNotFound);
  });

  test('following yourself is 422, and you do not end up following yourself', async () => {
    const narcissus = await registerUser();

    const response = await api.post(`/api/profiles/${narcissus.username}/follow`, undefined, {
      token: narcissus.token,
    });

    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['username']);
    const seen = await api.get(`/api/profiles/${narcissus.username}`, { token: narcissus.token });
    expect(seen.body.profile.following).toBe(false);
  });
});

describe('DELETE /api/profiles/:username/follow', () => {
  test('unfollows: 200 with following false, and GET with the token shows it', async () => {
    const [fan, celeb] = [await registerUser(), await registerUser()];
    await api.post(`/api/profiles/${celeb.username}/follow`, undefined, { token: fan.token });

    const response = await api.delete(`/api/profiles/${celeb.username}/follow`, { token: fan.token });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      profile: { username: celeb.username, bio: null, image: null, following: false },
    });
    const seen = await api.get(`/api/profiles/${celeb.username}`, { token: fan.token });
    expect(seen.body.profile.following).toBe(false);
  });

  test('unfollowing someone you do not follow is 200 with following false', async () => {
    const [fan, celeb] = [await registerUser(), await registerUser()];

    const response = await api.delete(`/api/profiles/${celeb.username}/follow`, { token: fan.token });

    expect(response.status).toBe(200);
    expect(response.body.profile.following).toBe(false);
  });

  test('without a token is 401 even for an unknown username (auth before existence)', async () => {
    const response = await api.delete(`/api/profiles/${unique('ghost')}/follow`);

    expect(response.status).toBe(401);
    expect(response.body).toEqual(tokenMissing);
  });

  test('an unknown username is 404 profile not found', async () => {
    const fan = await registerUser();

    const response = await api.delete(`/api/profiles/${unique('ghost')}/follow`, { token: fan.token });

    expect(response.status).toBe(404);
    expect(response.body).toEqual(profileNotFound);
  });
});

describe('profiles follow renames', () => {
  test('a follow survives the followed user changing their username', async () => {
    const [fan, celeb] = [await registerUser(), await registerUser()];
    await api.post(`/api/profiles/${celeb.username}/follow`, undefined, { token: fan.token });
    const renamed = unique('renamed');

    await api.put('/api/user', { user: { username: renamed } }, { token: celeb.token });
    const response = await api.get(`/api/profiles/${renamed}`, { token: fan.token });

    expect(response.status).toBe(200);
    expect(response.body.profile).toMatchObject({ username: renamed, following: true });
  });
});
