/** The cold-start benchmark's unit: a handler that loads nothing and answers at once. */
export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ hello: 'world' }),
});
