import { useSecrets } from '#lib/config/secrets';
import { resetLazyValues } from '#lib/lazy';

/**
 * For unit tests that sign tokens: installs a signing key as the secrets middleware would after fetching
 * it, before the file's tests, and forgets it after them.
 */
export function withUnitTestSigningKey(): void {
  beforeAll(() => {
    useSecrets({
      databasePassword: 'unused-here',
      signingKeys: 'k1=a-unit-test-secret-that-is-long-enough-0123456789',
    });
  });
  afterAll(resetLazyValues);
}
