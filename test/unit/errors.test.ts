import {
  asDomainError,
  DatabaseTimeout,
  DatabaseUnavailable,
  driverError,
  duplicateKey,
  isConnectionFailure,
  meansRetryLater,
} from '#db/errors';
import { MissingSecret, SecretsUnavailable } from '#lib/config/errors';
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from '#lib/errors';
import { toErrorReply } from '#lib/http/errors';
import { HttpProblem } from '#lib/http/problems';

const requestId = 'req-0123-abcd';

/** A mysql2-style driver error. */
function driverFailure(code: string, sqlMessage = `failure ${code}`): Error {
  return Object.assign(new Error(sqlMessage), { code, errno: 1000, sqlMessage, sqlState: 'HY000' });
}

/** How drizzle reports a failed query: its own error, the driver's as `cause`. */
function wrapped(cause: unknown): Error {
  return new Error('Failed query: select `password_hash` from `users` where `email` = ?', { cause });
}

describe('toErrorReply', () => {
  it.each([
    [new Invalid({ title: ["can't be blank"] }), 422, { title: ["can't be blank"] }],
    [new Unauthorized('token', 'is missing'), 401, { token: ['is missing'] }],
    [new Unauthorized('credentials', 'invalid'), 401, { credentials: ['invalid'] }],
    [new Forbidden('article'), 403, { article: ['forbidden'] }],
    [new NotFound('comment'), 404, { comment: ['not found'] }],
    [new Conflict('username'), 409, { username: ['has already been taken'] }],
    [new HttpProblem(413, { body: ['is too large'] }), 413, { body: ['is too large'] }],
  ])('maps %p to %p with its field errors', (error, statusCode, errors) => {
    // Act
    const reply = toErrorReply(error, requestId);

    // Assert
    expect(reply.statusCode).toBe(statusCode);
    expect(reply.errors).toEqual(errors);
    expect(reply.unexpected).toBeFalsy();
  });

  it.each(['ECONNREFUSED', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR', 'ETIMEDOUT'])(
    'answers 503 with retry-after for a %s connection failure, as db/ reports it',
    (code) => {
      // Act
      const reply = toErrorReply(wrapped(asDomainError(driverFailure(code))), requestId);

      // Assert
      expect(reply.statusCode).toBe(503);
      expect(reply.headers?.['retry-after']).toMatch(/^\d+$/);
      expect(reply.unexpected).toBe(true);
    },
  );

  it('answers 503 for a connection failure wrapped as the cause of a query error', () => {
    // Act
    const reply = toErrorReply(wrapped(asDomainError(driverFailure('ECONNRESET'))), requestId);

    // Assert
    expect(reply.statusCode).toBe(503);
    expect(reply.headers).toHaveProperty('retry-after');
  });

  it.each([
    ['comments', 'article_id', 'articles', 404, { article: ['not found'] }],
    ['follows', 'followee_id', 'users', 404, { profile: ['not found'] }],
    ['favorites', 'user_id', 'users', 401, { token: ['is invalid'] }],
    ['articles', 'author_id', 'users', 401, { token: ['is invalid'] }],
  ])(
    'answers a write whose %s.%s found its row deleted meanwhile as the request would be answered now',
    (table, column, parent, status, errors) => {
      const failure = driverFailure(
        'ER_NO_REFERENCED_ROW_2',
        `Cannot add or update a child row: a foreign key constraint fails (\`conduit\`.\`${table}\`, CONSTRAINT ` +
          `\`${table}_${column}_${parent}_id_fk\` FOREIGN KEY (\`${column}\`) REFERENCES \`${parent}\` (\`id\`))`,
      );

      const reply = toErrorReply(asDomainError(wrapped(failure)), requestId);

      expect({ status: reply.statusCode, errors: reply.errors }).toEqual({ status, errors });
      expect(reply.unexpected).toBeFalsy();
    },
  );

  it('leaves a foreign key failure it knows nothing of as it is: a 500', () => {
    const failure = driverFailure(
      'ER_NO_REFERENCED_ROW_2',
      'Cannot add or update a child row: a foreign key constraint fails (`conduit`.`sessions`, CONSTRAINT ' +
        '`sessions_user_id_users_id_fk` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`))',
    );

    expect(toErrorReply(asDomainError(wrapped(failure)), requestId).statusCode).toBe(500);
  });

  it('answers 503 for a statement that got no reply within the deadline', () => {
    // Act
    const reply = toErrorReply(wrapped(asDomainError(new DatabaseTimeout('no reply'))), requestId);

    // Assert
    expect(reply.statusCode).toBe(503);
    expect(reply.headers).toHaveProperty('retry-after');
  });

  it('answers 503 for a statement on a connection mysql2 already closed (its error has no code)', () => {
    // Arrange: what mysql2 throws for a command sent after a fatal error
    const closed = Object.assign(new Error("Can't add new command when connection is in closed state"), {
      fatal: true,
    });

    // Act
    const reply = toErrorReply(wrapped(asDomainError(closed)), requestId);

    // Assert
    expect(reply.statusCode).toBe(503);
  });

  it('answers a bare driver error with a 500: the HTTP layer knows no MySQL codes, db/ maps them', () => {
    expect(toErrorReply(driverFailure('ECONNREFUSED'), requestId).statusCode).toBe(500);
  });

  it('answers 503 with retry-after when the secret store cannot be read', () => {
    // Act
    const reply = toErrorReply(
      new SecretsUnavailable('could not read secrets: ThrottlingException'),
      requestId,
    );

    // Assert
    expect(reply.statusCode).toBe(503);
    expect(reply.headers?.['retry-after']).toMatch(/^\d+$/);
    expect(JSON.stringify(reply.errors)).not.toMatch(/Throttling|secret/i);
    expect(reply.unexpected).toBe(true);
  });

  it('answers a generic 500 for a missing secret, naming nothing of it', () => {
    // Act
    const reply = toErrorReply(
      new MissingSecret('secret /conduit/dev/jwt/signing-keys is not defined'),
      requestId,
    );

    // Assert
    expect(reply.statusCode).toBe(500);
    expect(reply.errors).toEqual({ server: [`unexpected error (request id ${requestId})`] });
    expect(reply.unexpected).toBe(true);
  });

  it('answers a generic 500 with the request id and nothing of the original error', () => {
    // Arrange
    const error = wrapped(
      driverFailure(
        'ER_BAD_FIELD_ERROR',
        "Unknown column 'password_hash' in 'field list' scrypt$32768$8$1$salt$hash",
      ),
    );

    // Act
    const reply = toErrorReply(error, requestId);

    // Assert
    expect(reply.statusCode).toBe(500);
    expect(reply.unexpected).toBe(true);
    const text = JSON.stringify(reply);
    expect(text).toContain(requestId);
    for (const secret of [
      'password_hash',
      'Unknown column',
      'ER_BAD_FIELD_ERROR',
      'scrypt',
      'Failed query',
      'select',
    ])
      expect(text).not.toContain(secret);
  });

  it.each([
    ['a plain Error', new Error('boom at /var/task/index.js:1')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'boom'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
  ])('answers 500 for %s thrown', (_case, error) => {
    // Act
    const reply = toErrorReply(error, requestId);

    // Assert
    expect(reply.statusCode).toBe(500);
    expect(reply.errors).toEqual({ server: [expect.stringContaining(requestId)] });
    expect(JSON.stringify(reply)).not.toContain('boom');
  });

  it('answers 400 for unparsable JSON and 415 for another content type from the JSON body parser', () => {
    // Arrange: the parser's errors carry `cause.package`
    const cause = { package: '@middy/http-json-body-parser' };
    const unparsable = Object.assign(new Error('Invalid or malformed JSON was provided'), {
      statusCode: 422,
      cause,
    });
    const wrongType = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415, cause });

    // Act
    const unparsableReply = toErrorReply(unparsable, requestId);
    const wrongTypeReply = toErrorReply(wrongType, requestId);

    // Assert
    expect(unparsableReply.statusCode).toBe(400);
    expect(Object.keys(unparsableReply.errors)).toEqual(['body']);
    expect(wrongTypeReply.statusCode).toBe(415);
    expect(Object.keys(wrongTypeReply.errors)).toEqual(['body']);
  });
});

describe('duplicateKey', () => {
  it('reads the index name from a MariaDB message', () => {
    // Arrange
    const error = driverFailure(
      'ER_DUP_ENTRY',
      "Duplicate entry 'jake@jake.jake' for key 'users_email_unique'",
    );

    // Act / Assert
    expect(duplicateKey(error)).toBe('users_email_unique');
  });

  it('reads the index name from a MySQL 8 message, which prefixes the table', () => {
    // Arrange
    const error = driverFailure(
      'ER_DUP_ENTRY',
      "Duplicate entry 'jake' for key 'users.users_username_unique'",
    );

    // Act / Assert
    expect(duplicateKey(error)).toBe('users_username_unique');
  });

  it('finds the driver error wrapped as a cause', () => {
    // Arrange
    const error = wrapped(
      driverFailure('ER_DUP_ENTRY', "Duplicate entry 'a-b' for key 'articles_live_slug_unique'"),
    );

    // Act / Assert
    expect(duplicateKey(error)).toBe('articles_live_slug_unique');
  });

  it('is not fooled by a duplicate value that itself looks like a key clause', () => {
    // Arrange: a username chosen to read like another index's message
    const error = driverFailure(
      'ER_DUP_ENTRY',
      "Duplicate entry 'x' for key 'users_email_unique' for key 'users.users_username_unique'",
    );

    // Act / Assert
    expect(duplicateKey(error)).toBe('users_username_unique');
  });

  it('handles a duplicate value containing dots and quotes', () => {
    // Arrange
    const error = driverFailure(
      'ER_DUP_ENTRY',
      "Duplicate entry 'o'neil.jake@x.io' for key 'users.users_email_unique'",
    );

    // Act / Assert
    expect(duplicateKey(error)).toBe('users_email_unique');
  });

  it('is undefined for other errors', () => {
    expect(duplicateKey(driverFailure('ER_NO_SUCH_TABLE', "Table 'users' doesn't exist"))).toBeUndefined();
    expect(duplicateKey(new Error("Duplicate entry 'x' for key 'users_email_unique'"))).toBeUndefined();
    expect(duplicateKey(undefined)).toBeUndefined();
  });
});

describe('asDomainError / meansRetryLater / driverError', () => {
  it('is false for query errors that retrying would not fix', () => {
    expect(meansRetryLater(driverFailure('ER_DUP_ENTRY'))).toBe(false);
    expect(meansRetryLater(driverFailure('ER_PARSE_ERROR'))).toBe(false);
    expect(meansRetryLater(new Error('no code'))).toBe(false);
    expect(meansRetryLater(null)).toBe(false);
  });

  it('turns a driver error that means "retry later" into DatabaseUnavailable, keeping it as the cause', () => {
    // Arrange
    const driver = driverFailure('ER_LOCK_DEADLOCK');

    // Act
    const mapped = asDomainError(driver);

    // Assert
    expect(mapped).toBeInstanceOf(DatabaseUnavailable);
    expect((mapped as Error).message).toBe('the database did not answer (ER_LOCK_DEADLOCK)');
    expect((mapped as Error).cause).toBe(driver);
  });

  it('passes any other error through unchanged', () => {
    const duplicate = driverFailure('ER_DUP_ENTRY');

    expect(asDomainError(duplicate)).toBe(duplicate);
  });

  it('follows a chain of causes to the driver error', () => {
    // Arrange
    const driver = driverFailure('ECONNREFUSED');

    // Act
    const found = driverError(wrapped(wrapped(driver)));

    // Assert
    expect(found).toBe(driver);
  });

  it('stops on a cyclic cause chain', () => {
    // Arrange
    const a: { cause?: unknown } = {};
    const b = { cause: a };
    a.cause = b;

    // Act / Assert
    expect(driverError(a)).toBeUndefined();
  });
});

describe('isConnectionFailure', () => {
  it.each([
    ['a lost connection', wrapped(driverFailure('PROTOCOL_CONNECTION_LOST'))],
    ['a reset', wrapped(driverFailure('ECONNRESET'))],
    ['a statement past its deadline', wrapped(new DatabaseTimeout('no reply'))],
    ['a fatal driver error', Object.assign(new Error('Packets out of order'), { fatal: true })],
  ])('is true for %s: the connection cannot be used again', (_, error) => {
    expect(isConnectionFailure(error)).toBe(true);
  });

  it.each([
    ['a duplicate key', wrapped(driverFailure('ER_DUP_ENTRY'))],
    ['a deadlock victim (the connection is fine)', wrapped(driverFailure('ER_LOCK_DEADLOCK'))],
    ['a refused connection (no statement was sent)', driverFailure('ECONNREFUSED')],
    ['no error', undefined],
  ])('is false for %s', (_, error) => {
    expect(isConnectionFailure(error)).toBe(false);
  });
});
