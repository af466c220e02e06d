import { createServer, type Server } from 'node:http';

/**
 * A stand-in for where a deployed function reads its secrets, on 127.0.0.1: the AWS Parameters and Secrets
 * Lambda Extension's HTTP API (`GET /systemsmanager/parameters/get?name=…`), and SSM's own JSON API
 * (`POST /` with `X-Amz-Target: AmazonSSM.GetParameters`) for the SDK path, which AWS_ENDPOINT_URL_SSM points
 * at. Both answer from `values`, as the real services answer a SecureString they decrypted.
 */
export interface ParameterStoreStandIn {
  port: number;
  /** What it answers from; a test may change it. */
  values: Record<string, string>;
  /** Requests served, by API. */
  served: { extension: number; ssm: number };
  /** What each extension request asked for. */
  requests: { name: string | null; withDecryption: string | null; token: string | undefined }[];
  close(): Promise<void>;
}

export async function startParameterStore(
  values: Record<string, string>,
  sessionToken: string,
): Promise<ParameterStoreStandIn> {
  const served = { extension: 0, ssm: 0 };
  const requests: ParameterStoreStandIn['requests'] = [];
  const parameter = (name: string) => ({ Name: name, Type: 'SecureString', Value: values[name], Version: 1 });
  const server: Server = createServer((request, response) => {
    const reply = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'GET' && url.pathname === '/systemsmanager/parameters/get') {
      served.extension += 1;
      const token = request.headers['x-aws-parameters-secrets-token'] as string | undefined;
      requests.push({
        name: url.searchParams.get('name'),
        withDecryption: url.searchParams.get('withDecryption'),
        token,
      });
      if (token !== sessionToken)
        return reply(401, { message: 'missing or wrong X-Aws-Parameters-Secrets-Token' });
      const name = url.searchParams.get('name') ?? '';
      // As the extension does: 400 for a parameter that is missing and for one the role may not read.
      if (!(name in values))
        return reply(400, { message: 'an unexpected error occurred while executing request' });
      return reply(200, { Parameter: parameter(name), ResultMetadata: {} });
    }
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.headers['x-amz-target'] !== 'AmazonSSM.GetParameters')
        return reply(400, { __type: 'UnknownOperationException' });
      served.ssm += 1;
      const names = (JSON.parse(body) as { Names: string[] }).Names;
      reply(200, {
        Parameters: names.filter((name) => name in values).map(parameter),
        InvalidParameters: names.filter((name) => !(name in values)),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    values,
    served,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
