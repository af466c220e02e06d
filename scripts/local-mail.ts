import type { AddressInfo } from 'node:net';
import startSes from 'aws-ses-v2-local';

/**
 * The local stand-in for SES (`npm run dev`, the e2e tests): aws-ses-v2-local takes the worker's SES v2
 * SendEmail calls, the same client and code as on AWS pointed at it (SES_ENDPOINT), and shows every e-mail on
 * its page (`url`); `GET <url>/store` lists them as JSON.
 */
export interface LocalMail {
  url: string;
  stop(): Promise<void>;
}

export async function startLocalMail(port: number): Promise<LocalMail> {
  const server = await startSes({ host: '127.0.0.1', port });
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
