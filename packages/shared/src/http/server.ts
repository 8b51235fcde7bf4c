import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  server: http.Server;
  port: number;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish (up to graceMs), then closes. */
  close(graceMs?: number): Promise<void>;
}

/** Starts an Express app; `port` 0 picks a free port (tests). */
export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.keepAliveTimeout = 65_000;
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://127.0.0.1:${actual}`,
        close: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            // Requests still arriving on kept-alive connections are answered with
            // "Connection: close", so clients reconnect (to another instance) instead of
            // reusing a socket that is about to close.
            server.prependListener('request', (_req, res: http.ServerResponse) => {
              if (!res.headersSent) res.setHeader('Connection', 'close');
            });
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
