import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { http } from '@kg/shared/testing';
import { startTenantStack, type TenantStack } from '../tenant-app/test/helpers/harness';

const ROOT = path.join(__dirname, '..');
const REDOCLY = path.join(ROOT, 'node_modules', '.bin', 'redocly');

type Operation = { operationId?: string; security?: unknown[]; tags?: string[] };
type Document = { paths: Record<string, Record<string, Operation>>; tags?: Array<{ name: string }> };
interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

/** Operations that need no credentials, per app; every other operation must name a scheme. */
const PUBLIC = {
  controlPlane: [
    'GET /api/health',
    'GET /api/openapi.json',
    'GET /.well-known/jwks.json',
    'POST /api/auth/register',
    'POST /api/auth/login',
    'POST /api/auth/refresh',
    'POST /api/auth/handoff/redeem',
    'POST /api/admin/auth/login',
    'POST /api/admin/auth/refresh',
    'POST /api/sms/send-code',
    'GET /api/storage/download',
  ],
  tenantApp: ['GET /api/health', 'GET /api/openapi.json'],
};

function operations(doc: Document): Array<{ key: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, op })));
}

/** Runs `redocly lint` with the recommended rules on a document written to `file`. */
function lint(file: string): LintReport {
  const r = spawnSync(REDOCLY, ['lint', '--extends=recommended', '--format=json', file], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
  });
  const start = r.stdout.indexOf('{');
  assert.ok(start >= 0, `redocly printed no report: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout.slice(start)) as LintReport;
}

describe('OpenAPI documents pass Redocly recommended rules', function () {
  this.timeout(180_000);
  let stack: TenantStack;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-openapi-'));
  const docs: Record<keyof typeof PUBLIC, Document> = {} as never;

  before(async () => {
    stack = await startTenantStack('oalint');
    docs.controlPlane = (await http('GET', `${stack.cp.url}/api/openapi.json`)).body as Document;
    docs.tenantApp = (await http('GET', `${stack.url}/api/openapi.json`)).body as Document;
  });
  after(async () => {
    await stack?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const app of ['controlPlane', 'tenantApp'] as const) {
    it(`when ${app}'s document is linted with the recommended rules, then there are 0 errors`, () => {
      const file = path.join(tmp, `${app}.json`);
      fs.writeFileSync(file, JSON.stringify(docs[app]));
      const report = lint(file);
      const errors = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
      assert.deepEqual(errors, []);
      assert.equal(report.totals.errors, 0);
      assert.equal(report.problems.filter((p) => p.ruleId === 'operation-operationId').length, 0, 'no operation without operationId');
    });

    it(`when ${app}'s operations are listed, then each has a unique operationId, declared security and a listed tag, and only the public ones declare none`, () => {
      const ops = operations(docs[app]);
      assert.ok(ops.length > 20, `${ops.length} operations`);
      const ids = ops.map((o) => o.op.operationId);
      assert.ok(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id)), ids.join(','));
      assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
      const listed = new Set((docs[app].tags ?? []).map((t) => t.name));
      for (const { key, op } of ops) {
        assert.ok(Array.isArray(op.security), `${key} declares security`);
        assert.ok(op.tags?.length && op.tags.every((t) => listed.has(t)), `${key} has a tag listed in the document`);
      }
      const open = ops.filter((o) => o.op.security!.length === 0).map((o) => o.key);
      assert.deepEqual(open.sort(), [...PUBLIC[app]].sort());
    });
  }
});
