import { judge, refreshTokenLifetimeMs, reuseGraceMs, sessionService } from '#lib/auth/sessions';
import { signAccessToken, verifyAccessToken } from '#lib/auth/tokens';
import { FakeSessionStore } from '../support/fake-session-store';
import { withUnitTestSigningKey } from '../support/unit-secrets';

withUnitTestSigningKey();

/** A session service on a fake store, with a clock the test moves. */
function setup() {
  const store = new FakeSessionStore();
  let now = new Date('2026-11-25T12:00:00.000Z');
  const service = sessionService(store, signAccessToken, () => now);
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  return { store, service, advance };
}

const invalidRefresh = { errors: { refreshToken: ['is invalid'] } };

describe('judge (the rotation rules)', () => {
  const now = new Date('2026-11-25T12:00:00.000Z');
  const at = (msAgo: number) => new Date(now.getTime() - msAgo);
  const token = (fields: { expiresAt?: Date; rotatedAt?: Date | null }) => ({
    sessionId: 1,
    userId: 1,
    expiresAt: new Date(now.getTime() + 1000),
    rotatedAt: null,
    ...fields,
  });

  it.each([
    ['the current token', 'renew', token({})],
    ['a token rotated just now (a retry)', 'renew', token({ rotatedAt: at(0) })],
    [
      'a token rotated exactly at the end of the grace window',
      'renew',
      token({ rotatedAt: at(reuseGraceMs) }),
    ],
    ['a token rotated a millisecond too long ago', 'end', token({ rotatedAt: at(reuseGraceMs + 1) })],
    ['an expired token', 'reject', token({ expiresAt: now })],
    [
      'an expired token that was rotated long ago',
      'reject',
      token({ expiresAt: at(1), rotatedAt: at(60_000) }),
    ],
  ])('%s → %s', (_case, verdict, stored) => {
    expect(judge(stored, now)).toBe(verdict);
  });
});

describe('sessionService.open', () => {
  it('returns an access token naming the new session and an opaque refresh token stored only as a hash', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    const { token, refreshToken } = await service.open(7);

    // Assert
    expect(await verifyAccessToken(token)).toEqual({ userId: 7, sessionId: 1 });
    expect(refreshToken).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(store.tokens)).not.toContain(refreshToken);
    expect(store.tokens).toEqual([
      expect.objectContaining({ sessionId: 1, tokenHash: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
  });

  it('lets the refresh token live 30 days', async () => {
    // Arrange
    const { store, service } = setup();

    // Act
    await service.open(7);

    // Assert
    expect(store.tokens[0]?.expiresAt).toEqual(
      new Date(Date.parse('2026-11-25T12:00:00.000Z') + refreshTokenLifetimeMs),
    );
  });
});

describe('sessionService.refresh', () => {
  it('exchanges a refresh token for a new pair on the same session', async () => {
    // Arrange
    const { service } = setup();
    const first = await service.open(7);

    // Act
    const second = await service.refresh(first.refreshToken);

    // Assert
    expect(second.userId).toBe(7);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await verifyAccessToken(second.token)).toEqual({ userId: 7, sessionId: 1 });
  });

  it('accepts the exchanged token again within the grace window (a client retrying)', async () => {
    // Arrange
    const { service, advance } = setup();
    const first = await service.open(7);
    const second = await service.refresh(first.refreshToken);
    advance(reuseGraceMs);

    // Act
    const retry = await service.refresh(first.refreshToken);

    // Assert
    expect(retry.refreshToken).not.toBe(second.refreshToken);
    await expect(service.refresh(second.refreshToken)).resolves.toMatchObject({ userId: 7 });
  });

  it('keeps one live token per session: a retry in the grace window retires the first replacement', async () => {
    // Arrange
    const { service, advance } = setup();
    const first = await service.open(7);
    const second = await service.refresh(first.refreshToken);
    await service.refresh(first.refreshToken);
    advance(reuseGraceMs + 1);

    // Act
    const late = service.refresh(second.refreshToken);

    // Assert
    await expect(late).rejects.toMatchObject(invalidRefresh);
    await expect(service.assertOpen({ userId: 7, sessionId: 1 })).rejects.toMatchObject({
      errors: { token: ['is invalid'] },
    });
  });

  it('ends the whole session when an exchanged token comes back after the grace window', async () => {
    // Arrange
    const { store, service, advance } = setup();
    const first = await service.open(7);
    const second = await service.refresh(first.refreshToken);
    advance(reuseGraceMs + 1);

    // Act
    const replay = service.refresh(first.refreshToken);

    // Assert
    await expect(replay).rejects.toMatchObject(invalidRefresh);
    await expect(service.refresh(second.refreshToken)).rejects.toMatchObject(invalidRefresh);
    await expect(service.assertOpen({ userId: 7, sessionId: 1 })).rejects.toMatchObject({
      errors: { token: ['is invalid'] },
    });
    expect(store.sessions.size).toBe(0);
  });

  it('refuses an expired refresh token and leaves the session alone', async () => {
    // Arrange
    const { store, service, advance } = setup();
    const { refreshToken } = await service.open(7);
    advance(refreshTokenLifetimeMs);

    // Act
    const attempt = service.refresh(refreshToken);

    // Assert
    await expect(attempt).rejects.toMatchObject(invalidRefresh);
    expect(store.sessions.size).toBe(1);
  });

  it('refuses a token it never issued', async () => {
    // Arrange
    const { service } = setup();
    await service.open(7);

    // Act / Assert
    await expect(service.refresh('not-a-token-this-service-issued')).rejects.toMatchObject(invalidRefresh);
  });
});

describe('ending sessions', () => {
  it('end closes one session: its access and refresh tokens stop working, other sessions do not', async () => {
    // Arrange
    const { service } = setup();
    const phone = await service.open(7);
    const laptop = await service.open(7);

    // Act
    await service.end({ userId: 7, sessionId: 1 });

    // Assert
    await expect(service.assertOpen({ userId: 7, sessionId: 1 })).rejects.toMatchObject({
      errors: { token: ['is invalid'] },
    });
    await expect(service.refresh(phone.refreshToken)).rejects.toMatchObject(invalidRefresh);
    await expect(service.assertOpen({ userId: 7, sessionId: 2 })).resolves.toBeUndefined();
    await expect(service.refresh(laptop.refreshToken)).resolves.toMatchObject({ userId: 7 });
  });

  it("end does not close another user's session", async () => {
    // Arrange
    const { service } = setup();
    await service.open(7);

    // Act
    await service.end({ userId: 8, sessionId: 1 });

    // Assert
    await expect(service.assertOpen({ userId: 7, sessionId: 1 })).resolves.toBeUndefined();
  });

  it("endAll closes every session of the user and nobody else's", async () => {
    // Arrange
    const { service } = setup();
    await service.open(7); // session 1
    await service.open(8); // session 2
    await service.open(7); // session 3

    // Act
    await service.endAll(7);

    // Assert
    for (const sessionId of [1, 3])
      await expect(service.assertOpen({ userId: 7, sessionId })).rejects.toMatchObject({
        errors: { token: ['is invalid'] },
      });
    await expect(service.assertOpen({ userId: 8, sessionId: 2 })).resolves.toBeUndefined();
  });
});
