import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export type StubHandler = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse) => void | Promise<void>;

/** Starts a plain HTTP server on port 0 that hands each request's full body to `handler`. */
export async function startStub(handler: StubHandler, host = '127.0.0.1'): Promise<StubServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.resolve(handler(req, Buffer.concat(chunks), res)).catch((err: Error) => {
        res.statusCode = 500;
        res.end(String(err?.stack ?? err));
      });
    });
  });
  // host '::' listens on IPv4 and IPv6, so http://localhost:<port> works whichever it resolves to.
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: host === '::' ? `http://localhost:${port}` : `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function requestId(): string {
  return crypto.randomUUID().toUpperCase();
}
