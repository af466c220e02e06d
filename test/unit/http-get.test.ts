import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getText } from '#lib/http-get';

/** A server on 127.0.0.1 that answers as `handle` says, and remembers the headers it was sent. */
let server: Server;
let baseUrl: string;
let handle: (request: IncomingMessage, response: ServerResponse) => void;
let received: IncomingMessage['headers'] | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    received = request.headers;
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = undefined;
});

afterAll(async () => {
  // Requests a test left hanging would keep the server open.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('getText', () => {
  it('resolves with the status, headers and body of a 200, and sends the headers it is given', async () => {
    // Arrange
    handle = (_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":["é"]}');

    // Act
    const reply = await getText(`${baseUrl}/keys`, { headers: { 'X-Token': 'abc' }, timeout: 1000 });

    // Assert
    expect(reply).toMatchObject({ status: 200, body: '{"keys":["é"]}' });
    expect(reply.headers['content-type']).toBe('application/json');
    expect(received?.['x-token']).toBe('abc');
  });

  it('resolves with any other status as it is, body included: the caller decides what it means', async () => {
    // Arrange
    handle = (_request, response) => response.writeHead(503).end('try later');

    // Act
    const reply = await getText(baseUrl, { timeout: 1000 });

    // Assert
    expect(reply).toMatchObject({ status: 503, body: 'try later' });
  });

  it('does not follow a redirect', async () => {
    // Arrange
    handle = (_request, response) => response.writeHead(302, { location: 'http://example.com/' }).end();

    // Act
    const reply = await getText(baseUrl, { timeout: 1000 });

    // Assert
    expect(reply.status).toBe(302);
  });

  it('rejects when no answer comes within the timeout', async () => {
    // Arrange: the server never answers
    handle = () => undefined;

    // Act
    const started = Date.now();
    const attempt = getText(baseUrl, { timeout: 100 });

    // Assert: node:http's AbortError, with the timeout as its cause
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError', cause: { name: 'TimeoutError' } });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('rejects when the body stops coming before the timeout', async () => {
    // Arrange: the status and half a body, then nothing
    handle = (_request, response) => response.writeHead(200).write('{"keys":');

    // Act
    const attempt = getText(baseUrl, { timeout: 100 });

    // Assert
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects when the signal it is given aborts', async () => {
    // Arrange
    handle = () => undefined;
    const controller = new AbortController();

    // Act
    const attempt = getText(baseUrl, { timeout: controller.signal });
    setTimeout(() => controller.abort(), 20);

    // Assert
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' });
    expect(controller.signal.aborted).toBe(true);
  });

  it('rejects when nothing listens', async () => {
    // Arrange: a port that was free a moment ago
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const attempt = getText(`http://127.0.0.1:${port}/`, { timeout: 1000 });

    // Assert
    await expect(attempt).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('speaks TLS to an https URL (here to a plain HTTP server, which cannot answer it)', async () => {
    // Arrange
    handle = (_request, response) => response.writeHead(200).end('plain');

    // Act
    const attempt = getText(baseUrl.replace(/^http:/, 'https:'), { timeout: 1000 });

    // Assert: a TLS error, not the plain server's answer
    await expect(attempt).rejects.toMatchObject({ code: 'EPROTO' });
    expect(received).toBeUndefined();
  });

  it('rejects a URL that is neither http nor https', async () => {
    // Act / Assert
    await expect(getText('ftp://127.0.0.1/', { timeout: 1000 })).rejects.toMatchObject({
      code: 'ERR_INVALID_PROTOCOL',
    });
  });
});
