import { loginLimits, loginThrottle } from '#lib/auth/throttle';
import { TooManyAttempts } from '#lib/errors';
import { FakeAttemptStore } from '../support/fake-attempt-store';

const limits = { windowMs: 60_000, perAccount: 3, perAddress: 10 };

function setup() {
  const store = new FakeAttemptStore();
  let now = new Date('2026-11-25T12:00:00.000Z');
  const throttle = loginThrottle(store, limits, () => now);
  const advance = (ms: number) => (now = new Date(now.getTime() + ms));
  return { store, throttle, advance };
}

/** Attempts `times` logins, returning how many were let through before the first refusal. */
async function attempts(
  throttle: ReturnType<typeof setup>['throttle'],
  times: number,
  email: string,
  address: string,
) {
  let allowed = 0;
  for (let i = 0; i < times; i++) {
    try {
      await throttle.attempt(email, address);
      allowed++;
    } catch (error) {
      if (!(error instanceof TooManyAttempts)) throw error;
    }
  }
  return allowed;
}

describe('loginThrottle', () => {
  it('production limits: a handful per account, many more per address, over 15 minutes', () => {
    expect(loginLimits).toEqual({ windowMs: 15 * 60 * 1000, perAccount: 5, perAddress: 100 });
  });

  it('lets perAccount attempts through, then refuses with the seconds left in the window', async () => {
    // Arrange
    const { throttle, advance } = setup();
    expect(await attempts(throttle, 3, 'jake@example.com', '192.0.2.1')).toBe(3);
    advance(15_000);

    // Act
    const refused = throttle.attempt('jake@example.com', '192.0.2.1');

    // Assert
    await expect(refused).rejects.toBeInstanceOf(TooManyAttempts);
    await expect(refused).rejects.toMatchObject({
      retryAfterSeconds: 45,
      errors: { credentials: ['too many failed attempts, retry later'] },
    });
  });

  it('counts the e-mail as typed, whatever its case and surrounding spaces', async () => {
    // Arrange
    const { throttle } = setup();

    // Act
    const allowed =
      (await attempts(throttle, 2, 'Jake@Example.com ', '192.0.2.1')) +
      (await attempts(throttle, 2, 'jake@example.com', '192.0.2.2'));

    // Assert
    expect(allowed).toBe(3);
  });

  it('opens again when the window has passed', async () => {
    // Arrange
    const { throttle, advance } = setup();
    await attempts(throttle, 4, 'jake@example.com', '192.0.2.1');
    advance(limits.windowMs);

    // Act / Assert
    await expect(throttle.attempt('jake@example.com', '192.0.2.1')).resolves.toBeUndefined();
  });

  it('a success resets the account, so its next attempts start from zero', async () => {
    // Arrange
    const { throttle } = setup();
    await attempts(throttle, 3, 'jake@example.com', '192.0.2.1');
    await throttle.succeeded('jake@example.com', '192.0.2.1');

    // Act / Assert
    expect(await attempts(throttle, 4, 'jake@example.com', '192.0.2.1')).toBe(3);
  });

  it('limits one address across many accounts at the much higher perAddress', async () => {
    // Arrange
    const { throttle } = setup();
    let allowed = 0;

    // Act: 12 different e-mails from one address
    for (let i = 0; i < 12; i++) allowed += await attempts(throttle, 1, `user${i}@example.com`, '192.0.2.9');

    // Assert
    expect(allowed).toBe(10);
    await expect(throttle.attempt('fresh@example.com', '192.0.2.10')).resolves.toBeUndefined();
  });

  it('successful logins give their attempt back to the address, so a busy shared address is never locked', async () => {
    // Arrange
    const { throttle } = setup();

    // Act: 30 users behind one address sign in successfully
    for (let i = 0; i < 30; i++) {
      await throttle.attempt(`user${i}@example.com`, '192.0.2.9');
      await throttle.succeeded(`user${i}@example.com`, '192.0.2.9');
    }

    // Assert
    await expect(throttle.attempt('one-more@example.com', '192.0.2.9')).resolves.toBeUndefined();
  });
});
