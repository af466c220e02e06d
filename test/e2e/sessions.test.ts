import { importJWK, type CryptoKey, type JWK } from 'jose';
import { http, register, unique } from '../support/http';
import { defaultNonce, signerFor } from '../support/identity-provider';

/** Signs ID tokens with the key of the identity provider e2e-setup.ts started (the one the offline stage trusts). */
async function identityProvider() {
  const { jwk, kid } = JSON.parse(process.env.CONDUIT_E2E_IDP!) as { jwk: JWK; kid: string };
  return signerFor((await importJWK(jwk, 'RS256')) as CryptoKey, kid);
}

describe('a session over HTTP (serverless offline)', () => {
  it('logs in, refreshes, and after logout neither token works on the very next request', async () => {
    // Arrange
    const user = await register('session');
    const login = await http.post('/api/users/login', {
      user: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);

    // Act + assert, as a mobile client would go
    const refreshed = await http.post('/api/users/refresh', { refreshToken: login.body.user.refreshToken });
    expect(refreshed.status).toBe(200);
    const { token, refreshToken } = refreshed.body.user;
    expect((await http.get('/api/user', { token })).status).toBe(200);

    const logout = await http.post('/api/users/logout', undefined, { token });
    expect(logout.status).toBe(204);

    const after = await http.get('/api/user', { token });
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ errors: { token: ['is invalid'] } });
    const renewal = await http.post('/api/users/refresh', { refreshToken });
    expect(renewal.status).toBe(401);
    expect(renewal.body).toEqual({ errors: { refreshToken: ['is invalid'] } });
    // The registration's own session is another device: still signed in.
    expect((await http.get('/api/user', { token: user.token })).status).toBe(200);
  });

  it('signs in with Google through the local identity provider, then again to the same account', async () => {
    // Arrange: an ID token from the provider e2e-setup.ts started (its JWKS is what the offline stage trusts)
    const sign = await identityProvider();
    const email = `${unique('sso')}@example.com`;
    const idToken = await sign('google', {
      sub: unique('g-'),
      email,
      email_verified: true,
      name: 'Jane Roe',
    });

    // Act
    const first = await http.post('/api/users/social', { provider: 'google', idToken, nonce: defaultNonce });
    const again = await http.post('/api/users/social', { provider: 'google', idToken, nonce: defaultNonce });

    // Assert
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(first.body.user).toMatchObject({ email, username: expect.stringMatching(/^jane\.roe/) });
    expect(again.body.user.username).toBe(first.body.user.username);
    expect((await http.get('/api/user', { token: again.body.user.token })).status).toBe(200);
  });

  it('refuses an ID token with the wrong nonce', async () => {
    // Arrange
    const sign = await identityProvider();
    const idToken = await sign('apple', { sub: unique() });

    // Act
    const response = await http.post('/api/users/social', {
      provider: 'apple',
      idToken,
      nonce: 'not-the-nonce',
    });

    // Assert
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { idToken: ['is invalid'] } });
  });
});
