import { username } from '#lib/users/schemas';
import { usernameFrom } from '#lib/users/usernames';
import { withSuffix } from '#lib/unique-names';
import * as z from 'zod/mini';

describe('usernameFrom', () => {
  it.each([
    [{ name: 'Jake Doe' }, 'jake.doe'],
    [{ name: '  Jake   Q.  Doe ' }, 'jake.q.doe'],
    [{ name: '김민준' }, '김민준'],
    [{ name: 'Ｊａｋｅ' }, 'jake'],
    [{ name: "O'Brien, Seán" }, 'obrien.seán'],
    [{ name: '🙂🙂', email: 'jake_d@example.com' }, 'jake_d'],
    [{ email: 'first.last+tag@example.com' }, 'first.lasttag'],
    [{ name: '...', email: '@example.com' }, 'user'],
    [{}, 'user'],
    [{ name: 'x'.repeat(100) }, 'x'.repeat(56)],
  ])('%p → %p', (profile, expected) => {
    expect(usernameFrom(profile)).toBe(expected);
  });

  it('always produces a username the API itself accepts, suffixed or not', () => {
    for (const name of ['Jake Doe', '-._-', 'a'.repeat(200) + ' b', 'ñandú', '12 34']) {
      const base = usernameFrom({ name });
      expect(z.safeParse(username, base).success).toBe(true);
      expect(z.safeParse(username, withSuffix(base)).success).toBe(true);
    }
  });
});
