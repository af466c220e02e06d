import type { Context } from 'aws-lambda';
import { resetLazyValues } from '#lib/lazy';
import { describeError, log, redact, useLambdaContext } from '#lib/log';
import { addLogFields, inRequestScope } from '#lib/request-scope';
import { clearCapturedLines, logLines } from '../support/log-capture';

/** How drizzle reports a failed query: the statement and its parameters, the driver's error as `cause`. */
function failedQuery(cause: unknown): Error {
  const query = 'insert into `users` (`email`, `password_hash`) values (?, ?)';
  const params = ['jake@example.com', '$scrypt$secret-hash'];
  return Object.assign(new Error(`Failed query: ${query}\nparams: ${params}`), { query, params, cause });
}

function driverFailure(code: string, message: string): Error {
  return Object.assign(new Error(message), {
    code,
    errno: 2013,
    // mysql2 keeps the statement with its values inlined: never to be logged.
    sql: "insert into `users` values ('jake@example.com', '$scrypt$secret-hash')",
  });
}

describe('describeError', () => {
  it('gives a failed query its statement text, never its parameters, stack or inlined SQL', () => {
    // Arrange
    const error = failedQuery(
      driverFailure('PROTOCOL_CONNECTION_LOST', 'Connection lost: The server closed the connection.'),
    );

    // Act
    const described = describeError(error);

    // Assert
    expect(described).toEqual({
      name: 'Error',
      message: 'Failed query: insert into `users` (`email`, `password_hash`) values (?, ?)',
      cause: {
        name: 'Error',
        code: 'PROTOCOL_CONNECTION_LOST',
        errno: 2013,
        message: 'Connection lost: The server closed the connection.',
      },
    });
    expect(JSON.stringify(described)).not.toMatch(/secret-hash|jake@example\.com/);
  });

  it('keeps the stack of an error that is not a query, and the chain of its causes', () => {
    // Arrange
    const error = new Error('secrets could not be loaded', {
      cause: Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
    });

    // Act
    const described = describeError(error);

    // Assert
    expect(described).toMatchObject({
      name: 'Error',
      message: 'secrets could not be loaded',
      stack: expect.stringContaining('log.test.ts'),
      cause: { name: 'TimeoutError', code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' },
    });
    expect(described!.cause).not.toHaveProperty('stack');
  });

  it('describes thrown values that are not errors, and stops on a cyclic chain', () => {
    // Arrange
    const cyclic: { message: string; cause?: unknown } = { message: 'a' };
    cyclic.cause = { message: 'b', cause: cyclic };

    // Act / Assert
    expect(describeError(undefined)).toBeUndefined();
    expect(describeError('plain text')).toEqual({ message: 'plain text' });
    expect(JSON.stringify(describeError(cyclic))).toMatch(/"message":"b"/);
  });
});

const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl';
const hash = 'scrypt$32768$8$1$dbPYajugcTADSf4YepxUZQ$UXI78gnVAU2rqt_b6LXWbltwDvIl1tXVK7FFbh1t0zM';

/** The line as Powertools writes it: JSON.stringify with redact as the replacer. */
const written = (value: unknown) => JSON.parse(JSON.stringify(value, redact));

describe('redact', () => {
  it("replaces every value kept under a credential's key, however it is spelt", () => {
    const line = written({
      password: 'hunter2',
      newPassword: 'hunter3',
      token: 'abc',
      refreshToken: 'opaque-random-bytes',
      idToken: 'abc',
      password_hash: 'x',
      authorization: 'Token abc',
      nested: { clientSecret: 's', apiKeyCredential: 'c' },
    });

    expect(line).toEqual({
      password: '[redacted]',
      newPassword: '[redacted]',
      token: '[redacted]',
      refreshToken: '[redacted]',
      idToken: '[redacted]',
      password_hash: '[redacted]',
      authorization: '[redacted]',
      nested: { clientSecret: '[redacted]', apiKeyCredential: '[redacted]' },
    });
  });

  it('cuts tokens and password hashes out of any text, and shortens e-mail addresses', () => {
    const line = written({ message: `user jake.doe+x@mail.example.com sent ${jwt}; stored ${hash}.` });

    expect(line.message).toBe('user j***@mail.example.com sent [redacted]; stored [redacted].');
  });

  it('hides a value under an e-mail key that does not even look like an address', () => {
    expect(written({ email: 'not-an-address', userEmail: 'jake@example.com' })).toEqual({
      email: '[redacted]',
      userEmail: 'j***@example.com',
    });
  });

  it('leaves everything else as it was', () => {
    const fields = {
      route: 'GET /api/tags',
      status: 200,
      durationMs: 4.2,
      cold_start: false,
      userId: 7,
      none: null,
    };

    expect(written(fields)).toEqual(fields);
  });
});

describe('log', () => {
  beforeEach(() => clearCapturedLines());

  it("writes Powertools' JSON line: level, message, timestamp, service, invocation, request fields, own fields", async () => {
    resetLazyValues();
    useLambdaContext({
      functionName: 'conduit-api-dev-listTags',
      functionVersion: '7',
      awsRequestId: 'req-1',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:1:function:conduit-api-dev-listTags:live',
      memoryLimitInMB: '1024',
    } as Context);

    await inRequestScope(
      async () => {
        addLogFields({ userId: 7 });
        log.warn('something odd', { detail: 'x', password: 'hunter2' });
      },
      { logFields: { route: 'GET /api/tags' } },
    );
    log.info('outside any request');

    expect(logLines()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'something odd',
        timestamp: expect.any(String),
        service: 'conduit-api',
        function_name: 'conduit-api-dev-listTags',
        function_request_id: 'req-1',
        route: 'GET /api/tags',
        userId: 7,
        detail: 'x',
        password: '[redacted]',
      }),
      expect.not.objectContaining({ route: expect.anything() }),
    ]);
  });
});
