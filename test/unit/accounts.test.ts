import { accountNamesFor } from '#db/accounts';

describe('accountNamesFor', () => {
  it('names the service users after their database, so two databases never share them', () => {
    expect(accountNamesFor('conduit', {})).toEqual({ app: 'conduit_app', migrator: 'conduit_migrator' });
    expect(accountNamesFor('conduit_b', {})).toEqual({
      app: 'conduit_b_app',
      migrator: 'conduit_b_migrator',
    });
  });

  it('keeps within MySQL’s 32 characters, telling long names apart by a hash of the whole', () => {
    // Arrange: two names that share their first 30 characters
    const shared = 'conduit_feature_branch_with_a_long';

    // Act
    const one = accountNamesFor(`${shared}_name_one`, {});
    const two = accountNamesFor(`${shared}_name_two`, {});

    // Assert
    for (const name of [...Object.values(one), ...Object.values(two)])
      expect(name.length).toBeLessThanOrEqual(32);
    expect(one.migrator).toMatch(/_migrator$/);
    expect(one.app).not.toBe(two.app);
    expect(one.migrator).not.toBe(two.migrator);
  });

  it('uses DB_USER and DB_MIGRATOR_USER when they are set', () => {
    expect(accountNamesFor('conduit', { DB_USER: 'api', DB_MIGRATOR_USER: 'ddl' })).toEqual({
      app: 'api',
      migrator: 'ddl',
    });
  });
});
