import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import express from 'express';
import { createLogger, currentRequestId, listen, requestLogging, runWithRequestId, type RunningServer } from '../src';

/** A logger whose JSON lines are kept in memory. */
function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: createLogger('log-test', 'debug', sink), lines };
}

describe('request ids and redaction in logs', () => {
  let server: RunningServer;
  after(async () => server?.close(100));

  it('when a request carries a token in its query string, then no log line holds it and every line of the request names its id', async () => {
    const { logger, lines } = memoryLogger();
    let seenInHandler: string | undefined;
    const app = express();
    app.use(requestLogging(logger));
    app.get('/download', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 5)); // the id survives awaits
      seenInHandler = currentRequestId();
      logger.info('handler work'); // the process logger, not req.log
      res.status(503).json({ ok: false }); // 5xx: the completion line is logged
    });
    server = await listen(app, 0, '127.0.0.1');
    const res = await fetch(`${server.url}/download?ticket=s3cr3t-ticket&token=eyJhbGciOi`, { headers: { 'x-request-id': 'client-id-1' } });
    const id = res.headers.get('x-request-id');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seenInHandler, id, 'what enqueue() attaches to jobs');
    const text = JSON.stringify(lines);
    assert.doesNotMatch(text, /s3cr3t-ticket|eyJhbGciOi/);
    const work = lines.find((l) => l.msg === 'handler work');
    assert.equal(work?.reqId, id);
    const done = lines.find((l) => (l.req as { url?: string } | undefined)?.url);
    assert.equal((done!.req as { url: string }).url, '/download?[redacted]');
  });

  it('when a job runs with the id of the request that enqueued it, then its log lines carry that id and others do not', () => {
    const { logger, lines } = memoryLogger();
    runWithRequestId('req-42', () => logger.info('inside the job'));
    logger.info('outside');
    assert.equal(lines.find((l) => l.msg === 'inside the job')?.reqId, 'req-42');
    assert.equal(lines.find((l) => l.msg === 'outside')?.reqId, undefined);
  });
});
