import { assertLocal } from '../support/test-database';

describe('the test database guard', () => {
  it.each(['mysql://root@127.0.0.1:3306', 'mysql://root@localhost:3307', 'mysql://root@[::1]:3306'])(
    'accepts a server on this machine: %s',
    (url) => {
      expect(() => assertLocal(url, {})).not.toThrow();
    },
  );

  it.each([
    'mysql://admin:pw@prod.cluster-abc.eu-west-1.rds.amazonaws.com:3306',
    'mysql://root@10.0.0.5:3306',
  ])('refuses any other server: %s', (url) => {
    expect(() => assertLocal(url, {})).toThrow(/Refusing to run tests against/);
  });

  it('lets an operator override the refusal explicitly', () => {
    expect(() =>
      assertLocal('mysql://root@db.ci.internal:3306', { CONDUIT_TEST_ALLOW_REMOTE_DB: '1' }),
    ).not.toThrow();
  });
});
