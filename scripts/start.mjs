#!/usr/bin/env node
// `npm start`: brings the whole system up on local defaults.
//  1. creates .env from .env.example on first run, generating the secrets it needs;
//  2. makes MariaDB and Redis ready (scripts/ensure-services.sh);
//  3. compiles the TypeScript workspaces (incremental) and builds the admin console and the staff app when their
//     built files are missing or older than their sources;
//  4. applies control-database migrations and bootstraps the super admin (printed once);
//  5. builds or updates the template database from templates-db/;
//  6. creates or updates the MySQL accounts of the three processes (npm run db:accounts) and the
//     tenant databases' accounts; steps 4-6 sign in with MYSQL_USER (docs/privileges.md);
//  7. starts the control plane, the provisioner and the tenant app, and prints the URLs.
// Ctrl-C (or SIGTERM) stops every process cleanly.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const envFile = path.join(root, '.env');
const exampleFile = path.join(root, '.env.example');

function log(msg) {
  process.stdout.write(`[start] ${msg}\n`);
}

/** First run: copy .env.example to .env and fill the generated secrets. */
function ensureDotEnv() {
  const generated = {
    MASTER_KEY: () => crypto.randomBytes(32).toString('base64'),
    STORAGE_SIGNING_SECRET: () => crypto.randomBytes(32).toString('base64url'),
    TENANT_DB_ROLE_PASSWORD: () => crypto.randomBytes(24).toString('base64url'),
    // Each process's own MySQL account (docs/privileges.md, Service accounts).
    CONTROL_PLANE_MYSQL_USER: () => 'kg_control',
    CONTROL_PLANE_MYSQL_PASSWORD: () => crypto.randomBytes(24).toString('base64url'),
    PROVISIONER_MYSQL_USER: () => 'kg_provisioner',
    PROVISIONER_MYSQL_PASSWORD: () => crypto.randomBytes(24).toString('base64url'),
    TENANT_APP_MYSQL_USER: () => 'kg_tenantapp',
    TENANT_APP_MYSQL_PASSWORD: () => crypto.randomBytes(24).toString('base64url'),
  };
  if (fs.existsSync(envFile)) {
    // An .env from before the tenant app's role account or the service accounts
    // (docs/privileges.md) gets them added.
    const current = fs.readFileSync(envFile, 'utf8');
    if (!/^TENANT_DB_ROLE_USER=/m.test(current)) {
      fs.appendFileSync(envFile, `\nTENANT_DB_ROLE_USER=kg_tenant_conn\nTENANT_DB_ROLE_PASSWORD=${generated.TENANT_DB_ROLE_PASSWORD()}\n`);
      log('added the tenant app role account (TENANT_DB_ROLE_USER / TENANT_DB_ROLE_PASSWORD) to .env');
    }
    for (const prefix of ['CONTROL_PLANE', 'PROVISIONER', 'TENANT_APP']) {
      const user = `${prefix}_MYSQL_USER`;
      const password = `${prefix}_MYSQL_PASSWORD`;
      if (new RegExp(`^${user}=`, 'm').test(current)) continue;
      fs.appendFileSync(envFile, `\n${user}=${generated[user]()}\n${password}=${generated[password]()}\n`);
      log(`added the ${prefix.toLowerCase().replace('_', ' ')} MySQL account (${user} / ${password}) to .env`);
    }
    return;
  }
  const text = fs
    .readFileSync(exampleFile, 'utf8')
    .split('\n')
    .map((line) => {
      const m = /^([A-Z0-9_]+)=\s*$/.exec(line);
      return m && generated[m[1]] ? `${m[1]}=${generated[m[1]]()}` : line;
    })
    .join('\n');
  fs.writeFileSync(envFile, text, { mode: 0o600 });
  log('created .env from .env.example with freshly generated secrets');
}

/** Minimal .env reader (the apps use dotenv themselves; this only feeds the helper scripts). */
function readDotEnv() {
  const out = {};
  for (const line of fs.readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m && m[2] !== '') out[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
  return out;
}

function run(cmd, args, env, cwd = root) {
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env });
  if (r.status !== 0) {
    log(`"${[cmd, ...args].join(' ')}" failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Newest modification time under the given files and folders (0 when none exist). */
function newestMtime(paths) {
  let newest = 0;
  for (const p of paths) {
    if (!fs.existsSync(p)) continue;
    const st = fs.statSync(p);
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime([path.join(p, e)]));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  }
  return newest;
}

/** Builds a web app workspace (its dist/) when it is missing or older than its sources. */
function buildWebIfStale(workspace, label) {
  const web = path.join(root, workspace);
  const built = path.join(web, 'dist/index.html');
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((f) => path.join(web, f));
  sources.push(path.join(root, 'packages/web-ui/src'));
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestMtime(sources)) return;
  log(`building the ${label}`);
  run(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build'], { ...env, NODE_ENV: 'production' }, web);
}

/** The admin console (control-plane/web, served at /admin/) and the staff app (tenant-app/web, served at / of each subdomain). */
function buildWebAppsIfStale() {
  buildWebIfStale('control-plane/web', 'admin console');
  buildWebIfStale('tenant-app/web', 'staff app');
}

ensureDotEnv();
const env = { ...readDotEnv(), ...process.env };
run('bash', [path.join(root, 'scripts/ensure-services.sh')], env);
log('compiling TypeScript');
run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b'], env);
buildWebAppsIfStale();
run(process.execPath, [path.join(root, 'control-plane/dist/cli/migrate.js')], env);
run(process.execPath, [path.join(root, 'templates-db/dist/cli/build-template.js')], env);
// Each process's own MySQL account with exactly its grants, after migrations (new tables get theirs).
run(process.execPath, [path.join(root, 'control-plane/dist/cli/db-accounts.js')], env);
// Tenants created before per-tenant MySQL accounts get theirs (idempotent; docs/privileges.md).
run(process.execPath, [path.join(root, 'provisioner/dist/cli/create-db-users.js')], env);

const apps = [
  { name: 'control-plane', entry: 'control-plane/dist/start/server.js' },
  { name: 'provisioner', entry: 'provisioner/dist/start/worker.js' },
  { name: 'tenant-app', entry: 'tenant-app/dist/start/server.js' },
].filter((a) => fs.existsSync(path.join(root, a.entry)));

const children = new Map();
let stopping = false;

function prefixLines(name, stream, out) {
  let buf = '';
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      out.write(`${name.padEnd(13)}| ${pretty(out, buf.slice(0, i))}\n`);
      buf = buf.slice(i + 1);
    }
  });
}

/**
 * On a terminal, pino's JSON lines are shown readable (pino-pretty); piped or redirected output
 * stays JSON, one object a line, for log shippers.
 */
const prettyLine = await (async () => {
  try {
    const { prettyFactory } = (await import('pino-pretty')).default;
    return prettyFactory({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true });
  } catch {
    return null; // pino-pretty is a devDependency: absent after npm ci --omit=dev
  }
})();
function pretty(out, line) {
  if (!out.isTTY || !prettyLine || !line.startsWith('{')) return line;
  try {
    return prettyLine(JSON.parse(line)).trimEnd();
  } catch {
    return line;
  }
}

for (const app of apps) {
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(root, app.entry)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixLines(app.name, child.stdout, process.stdout);
  prefixLines(app.name, child.stderr, process.stderr);
  children.set(app.name, child);
  child.on('exit', (code, signal) => {
    children.delete(app.name);
    if (!stopping) {
      log(`${app.name} exited (${signal ?? code}); stopping everything`);
      stop(1);
    } else if (children.size === 0) {
      process.exit(exitCode);
    }
  });
}

let exitCode = 0;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  log('stopping…');
  for (const child of children.values()) child.kill('SIGTERM');
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, 20_000).unref();
  if (children.size === 0) process.exit(exitCode);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitHealthy(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return false;
}

const cpPort = env.CONTROL_PLANE_PORT || '4001';
const taPort = env.TENANT_APP_PORT || '3000';
const domain = env.BASE_DOMAIN || 'localhost';
const cpOk = await waitHealthy(`http://127.0.0.1:${cpPort}/api/health`);
const taOk = children.has('tenant-app') ? await waitHealthy(`http://127.0.0.1:${taPort}/api/health`) : false;
if (!stopping) {
  const lines = [
    '',
    '  Kindergarten platform is up' + (cpOk ? '' : ' (control plane not healthy yet: see its log above)'),
    `  Admin console       http://localhost:${cpPort}/admin/   (sign in as the super admin)`,
    `  Control plane API   http://localhost:${cpPort}/api   (health: /api/health, OpenAPI: /api/openapi.json)`,
    `  JWKS                http://localhost:${cpPort}/.well-known/jwks.json`,
    `  Metrics             http://localhost:${cpPort}/metrics`,
  ];
  if (children.has('tenant-app')) {
    lines.push(`  Staff app           http://k001.${domain}:${taPort}/   (each kindergarten on its own subdomain)`);
    lines.push(`  Tenant app API      http://k001.${domain}:${taPort}/api   (any tenant: http://<code>.${domain}:${taPort}/api)` + (taOk ? '' : ' (not healthy yet)'));
  }
  if (children.has('provisioner')) lines.push('  Provisioner         running (BullMQ workers)');
  lines.push('  Super admin         printed above on first start (or BOOTSTRAP_ADMIN_* in .env)', '  Stop with Ctrl-C', '');
  process.stdout.write(lines.join('\n') + '\n');
}
