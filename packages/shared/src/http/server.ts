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

/**
 * Server options under which Node creates each request and response with the app's own
 * prototypes (`app.request`, `app.response`) instead of Express setting them per request with
 * `Object.setPrototypeOf`. A prototype changed after construction gives the object a hidden class
 * that V8 does not share with the next request, so every property Node, Express or the app then
 * adds to it builds another hidden class and copies its descriptors; created with the right
 * prototype, requests share their hidden classes and Express's `setPrototypeOf` finds nothing to
 * change (docs/request-path.md, Routing).
 */
export function appServerOptions(app: Express): http.ServerOptions {
  type Construct = { call(self: unknown, ...args: unknown[]): void };
  function AppRequest(this: unknown, ...args: unknown[]) {
    (http.IncomingMessage as unknown as Construct).call(this, ...args);
  }
  AppRequest.prototype = app.request;
  function AppResponse(this: unknown, ...args: unknown[]) {
    (http.ServerResponse as unknown as Construct).call(this, ...args);
  }
  AppResponse.prototype = app.response;
  return {
    IncomingMessage: AppRequest as unknown as typeof http.IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof http.ServerResponse,
  };
}

/** Starts an Express app; `port` 0 picks a free port (tests). */
export function listen(app: Express, port: number, host = '0.0.0.0', options: http.ServerOptions = {}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(options, app);
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
