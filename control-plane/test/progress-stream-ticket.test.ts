import assert from 'node:assert/strict';
import { pathOnly } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { uniqueTenantCode } from './helpers/auth-fixtures';
import { insertTenant, roleTokens, type RoleTokens } from './helpers/operator-fixtures';

/** Reads a finished SSE answer as text. */
async function readStream(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text() };
}

describe('control plane: progress stream for browsers (tickets, resume)', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  let code: string;
  before(async () => {
    cp = await startControlPlane('stream-ticket');
    tokens = await roleTokens(cp);
    code = uniqueTenantCode();
    await insertTenant(cp, { code, status: 'active' });
  });
  after(async () => {
    await cp?.close();
  });

  const ticketFor = async (c: string) => {
    const res = await http('POST', `${cp.url}/api/tenants/${c}/progress/stream-ticket`, { token: tokens.operator });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.data.expiresInSeconds, 60);
    return res.body.data.ticket as string;
  };

  it('when a browser opens the stream with a ticket, then it gets retry:, an id-tagged progress event and end for an active tenant', async () => {
    const ticket = await ticketFor(code);
    const { status, text } = await readStream(`${cp.url}/api/tenants/${code}/progress/stream?ticket=${ticket}`);
    assert.equal(status, 200);
    assert.match(text, /^retry: \d+/m);
    assert.match(text, /^event: progress\ndata: \{.*\}\nid: [\w-]{16}\n\n/m);
    assert.match(text, /event: end\ndata: \{"tenantCode":"k\d+","status":"active"\}/);
  });

  it('when the reconnect names the last event id, then the current state is not repeated', async () => {
    const ticket = await ticketFor(code);
    const first = await readStream(`${cp.url}/api/tenants/${code}/progress/stream?ticket=${ticket}`);
    const id = /^id: (.+)$/m.exec(first.text)![1]!;
    const again = await readStream(`${cp.url}/api/tenants/${code}/progress/stream?ticket=${ticket}`, { 'last-event-id': id });
    assert.equal(again.status, 200);
    assert.doesNotMatch(again.text, /event: progress/);
    assert.match(again.text, /event: end/);
  });

  it('when the ticket is for another tenant, made up, or missing, then 401 and no stream', async () => {
    const other = uniqueTenantCode();
    await insertTenant(cp, { code: other, status: 'active' });
    const ticket = await ticketFor(other);
    assert.equal((await readStream(`${cp.url}/api/tenants/${code}/progress/stream?ticket=${ticket}`)).status, 401);
    assert.equal((await readStream(`${cp.url}/api/tenants/${code}/progress/stream?ticket=made-up`)).status, 401);
    assert.equal((await readStream(`${cp.url}/api/tenants/${code}/progress/stream`)).status, 401);
  });

  it('when a user token asks for a ticket, then 401; for an unknown tenant, then 404', async () => {
    assert.equal((await http('POST', `${cp.url}/api/tenants/${code}/progress/stream-ticket`, { token: tokens.user })).status, 401);
    assert.equal((await http('POST', `${cp.url}/api/tenants/k99999998/progress/stream-ticket`, { token: tokens.operator })).status, 404);
  });

  it('when a URL with a ticket or token is logged, then the secret is replaced', () => {
    // The request log keeps the path only: every query string may carry a ticket or token.
    assert.equal(pathOnly('/api/tenants/k001/progress/stream?ticket=abc123&lastEventId=x'), '/api/tenants/k001/progress/stream?[redacted]');
    assert.equal(pathOnly('/x?a=1&access_token=eyJ'), '/x?[redacted]');
  });
});
