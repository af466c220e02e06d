// Test configuration. Secrets come from the environment source (no SSM_PREFIX), as under serverless offline:
// two signing keys, so tokens signed with the older one (`test-0`) are still accepted after a rotation.
process.env.JWT_SIGNING_KEYS ??=
  'test-1=test-signing-key-that-is-at-least-32-characters,test-0=the-previous-test-signing-key-of-32-chars';
process.env.ACCESS_TOKEN_TTL ??= '1h';
delete process.env.SSM_PREFIX;
