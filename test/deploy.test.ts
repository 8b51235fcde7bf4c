import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureCommand } from './helpers/system-packages';

const deployDir = path.join(__dirname, '..', 'deploy');
/** The reconciler's alerts and the operations alerts: Prometheus loads both. */
const ruleFiles = ['alerts.yml', 'operations.rules.yml'].map((f) => path.join(deployDir, 'prometheus', f));

/** Renders the nginx template as envsubst would with the listed variables. */
function renderNginx(vars: Record<string, string>): string {
  const text = fs.readFileSync(path.join(deployDir, 'nginx', 'kg-platform.conf.template'), 'utf8');
  return text.replace(/\$\{([A-Z_]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

function run(cmd: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

describe('deployment files (deploy/)', function () {
  this.timeout(600_000);
  let tmp: string;

  before(() => {
    ensureCommand('nginx', 'nginx');
    ensureCommand('promtool', 'prometheus');
    ensureCommand('openssl', 'openssl');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-deploy-'));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Writes a main nginx.conf around the rendered site file, everything under `prefix`, and runs nginx -t. */
  function nginxTest(prefix: string, certFile: string, keyFile: string) {
    for (const d of ['logs', 'temp', 'admin']) fs.mkdirSync(path.join(prefix, d), { recursive: true });
    const site = renderNginx({
      CONTROL_PLANE_HOST: 'api.kg.test',
      BASE_DOMAIN: 'kg.test',
      TLS_CERT_FILE: certFile,
      TLS_KEY_FILE: keyFile,
      ADMIN_WEB_ROOT: path.join(prefix, 'admin'),
      NGINX_LOG_DIR: path.join(prefix, 'logs'),
    });
    assert.doesNotMatch(site, /\$\{[A-Z_]+\}/, 'every template variable is rendered');
    fs.writeFileSync(path.join(prefix, 'kg-platform.conf'), site);
    const t = (name: string) => path.join(prefix, 'temp', name);
    fs.writeFileSync(
      path.join(prefix, 'nginx.conf'),
      `pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log;
events {}
http {
  access_log ${prefix}/logs/access.log;
  client_body_temp_path ${t('body')};
  proxy_temp_path ${t('proxy')};
  fastcgi_temp_path ${t('fastcgi')};
  uwsgi_temp_path ${t('uwsgi')};
  scgi_temp_path ${t('scgi')};
  include ${prefix}/kg-platform.conf;
}
`,
    );
    return run('nginx', ['-t', '-p', prefix, '-c', path.join(prefix, 'nginx.conf')]);
  }

  it('when the nginx template is rendered with a self-signed certificate, then nginx -t accepts it', () => {
    const prefix = path.join(tmp, 'nginx-ok');
    fs.mkdirSync(prefix);
    const cert = path.join(prefix, 'cert.pem');
    const key = path.join(prefix, 'key.pem');
    const gen = run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=kg.test',
      '-addext', 'subjectAltName=DNS:api.kg.test,DNS:*.kg.test', '-keyout', key, '-out', cert,
    ]);
    assert.equal(gen.status, 0, gen.output);
    const r = nginxTest(prefix, cert, key);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /test is successful/);
  });

  it('when the certificate file does not exist, then nginx -t fails (the check can fail)', () => {
    const prefix = path.join(tmp, 'nginx-bad');
    fs.mkdirSync(prefix);
    const r = nginxTest(prefix, path.join(prefix, 'missing.pem'), path.join(prefix, 'missing-key.pem'));
    assert.notEqual(r.status, 0);
    assert.match(r.output, /missing\.pem/);
  });

  it('when the site file is read, then SSE locations are unbuffered and the request id and query-free logs are set', () => {
    const site = renderNginx({});
    assert.match(site, /progress\/stream[\s\S]*?proxy_buffering off;/);
    assert.match(site, /proxy_set_header X-Request-Id \$request_id;/);
    assert.doesNotMatch(site, /log_format[^;]*\$request[^_]/, 'logs use $uri, not $request (which carries the query string)');
    assert.match(site, /server_name \*\.\$\{BASE_DOMAIN\};/);
  });

  it('when promtool checks both alert files, then they are valid, cover every operations alert and name no alert twice', () => {
    const r = run('promtool', ['check', 'rules', ...ruleFiles]);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.match(/SUCCESS: \d+ rules found/g)?.length, ruleFiles.length, r.output);
    const text = ruleFiles.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    for (const alert of ['TenantProvisioningFailed', 'TenantProvisioningStuck', 'PurgeEntriesFailed', 'ProvisionerQueueBacklog', 'TenantConnectionWaiters', 'ControlDbPoolWaiters', 'HighServerErrorRate', 'BackupTooOld']) {
      assert.match(text, new RegExp(`alert: ${alert}\\b`), alert);
    }
    const names = [...text.matchAll(/alert: (\w+)/g)].map((m) => m[1]!);
    assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), [], 'alert names repeated across files');
  });

  it('when logrotate reads its setting in debug mode, then it parses without errors', function () {
    ensureCommand('logrotate', 'logrotate');
    const r = run('logrotate', ['-d', '-s', path.join(tmp, 'logrotate.state'), path.join(deployDir, 'logrotate', 'kg-platform')]);
    assert.equal(r.status, 0, r.output);
    assert.doesNotMatch(r.output, /error/i);
  });
});

describe('alert rules name metrics the apps export', () => {
  it('when every metric an alert expression reads is looked up in the sources, then each one is defined', () => {
    const rules = ruleFiles.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const exprs = [...rules.matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*)/g)].map((m) => m[1]!).join('\n');
    const promql = new Set(['sum', 'max', 'min', 'by', 'rate', 'increase', 'absent', 'time', 'up']);
    const names = new Set(
      [...exprs.replace(/by \([^)]*\)/g, '').replace(/\{[^}]*\}/g, '{}').matchAll(/\b([a-z_][a-z0-9_]*)\s*(?=\{|\)|\s*[<>=])/g)].map((m) => m[1]!).filter((n) => !promql.has(n)),
    );
    assert.ok(names.size >= 8, [...names].join(','));
    const sources = ['packages/shared/src', 'control-plane/src', 'provisioner/src', 'tenant-app/src']
      .flatMap((d) => fs.readdirSync(path.join(__dirname, '..', d), { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && f.name.endsWith('.ts')).map((f) => path.join(f.parentPath, f.name)))
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    for (const n of names) {
      const base = n.replace(/_(count|sum|bucket)$/, '');
      assert.ok(sources.includes(`'${base}'`), `metric ${base} is not defined in any app`);
    }
  });
});
