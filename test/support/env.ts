// Test configuration: a fixed signing secret, and a token lifetime long enough for any test run.
process.env.JWT_SECRET ??= 'test-secret-that-is-at-least-32-characters-long';
process.env.JWT_KID ??= 'test-1';
process.env.ACCESS_TOKEN_TTL ??= '1h';
