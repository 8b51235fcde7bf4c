import nodeHttp from 'node:http';

export interface Answer {
  status: number;
  body: any;
  headers: nodeHttp.IncomingHttpHeaders;
}

/**
 * One HTTP call, optionally from another local address (127.0.0.2, 127.0.0.3, ...: every
 * 127.x address is the loopback on Linux), so a test can act as several clients with their own
 * IPs against per-IP limits.
 */
export function call(
  method: string,
  url: string,
  opts: { body?: unknown; token?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<Answer> {
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(url, { method, headers, localAddress: opts.from, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
