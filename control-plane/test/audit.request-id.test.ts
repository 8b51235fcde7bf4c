import assert from 'node:assert/strict';
import type { RowDataPacket } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { startControlPlane, type TestControlPlane } from './helpers/harness';
import { roleTokens, type RoleTokens } from './helpers/operator-fixtures';
import { verifyAuditChain } from '../src/modules/audit/audit.service';

/**
 * Request ids are the server's (docs/privileges.md, Audit): a client that sends X-Request-Id
 * cannot choose the id its audited action is recorded under; its value is kept in its own field.
 */
describe('audit log: server-generated request ids', () => {
  let cp: TestControlPlane;
  let tokens: RoleTokens;
  before(async () => {
    cp = await startControlPlane('auditrid');
    tokens = await roleTokens(cp);
  });
  after(async () => {
    await cp?.close();
  });

  it("when a client sends its own X-Request-Id with an audited action, then the row's request id is the server's and the client's is kept apart", async () => {
    const forged = 'req-chosen-by-client';
    const res = await http('POST', `${cp.url}/api/admin/users`, {
      token: tokens.superAdmin,
      headers: { 'x-request-id': forged },
      body: { username: 'ops.rid', password: 'Passw0rdXyz', role: 'operator', email: 'rid@example.test' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const serverId = res.headers.get('x-request-id') ?? '';
    assert.match(serverId, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('x-client-request-id'), forged);
    const [rows] = await cp.db.query<RowDataPacket[]>('SELECT request_id, client_request_id FROM audit_logs ORDER BY id DESC LIMIT 1');
    assert.equal(rows[0]!.request_id, serverId);
    assert.equal(rows[0]!.client_request_id, forged);
    const verified = await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey);
    assert.equal(verified.ok, true);

    // The client's field is part of the hash: changing it behind the trigger is detected.
    await cp.db.query('DROP TRIGGER trg_audit_logs_no_update');
    await cp.db.query("UPDATE audit_logs SET client_request_id = 'other' WHERE request_id = ?", [serverId]);
    assert.equal((await verifyAuditChain(cp.db, cp.ctx.secrets.auditKey)).ok, false);
  });
});
