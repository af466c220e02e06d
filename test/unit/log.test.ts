import { describeError } from '#lib/log';

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
