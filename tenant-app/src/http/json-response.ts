import type { Express, Response } from 'express';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * `res.json()` for the app's answers without Express's general `res.send()` (docs/request-path.md,
 * Routing): for a JSON object with no content type, ETag or Last-Modified set, the answer is the
 * same (`Content-Type: application/json; charset=utf-8`, `Content-Length`, no body for HEAD), but
 * without parsing and re-serializing the content type, looking up the app's JSON and ETag settings
 * and checking freshness on every response. Anything else (such a header already set, a 204, 205
 * or 304 status, a value JSON cannot serialize) goes to Express's own `res.json()`. Installed only
 * while the app has no `json replacer`, `json spaces` or `json escape` setting, which Express's
 * version would apply.
 */
export function leanJson(app: Express): void {
  if (app.get('json replacer') !== undefined || app.get('json spaces') !== undefined || app.enabled('json escape')) return;
  const expressJson = app.response.json;
  app.response.json = function json(this: Response, obj: unknown) {
    const body = JSON.stringify(obj) as string | undefined;
    const status = this.statusCode;
    if (
      body === undefined ||
      status === 204 ||
      status === 205 ||
      status === 304 ||
      this.hasHeader('content-type') ||
      this.hasHeader('etag') ||
      this.hasHeader('last-modified')
    ) {
      return expressJson.call(this, obj);
    }
    this.setHeader('content-type', JSON_TYPE);
    this.setHeader('content-length', String(Buffer.byteLength(body)));
    if (this.req.method === 'HEAD') this.end();
    else this.end(body);
    return this;
  };
}
