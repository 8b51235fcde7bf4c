/**
 * Admin console figures (docs/console.md, Figures):
 *  1. initial JS + CSS of the console, gzipped: what the browser loads for the first page
 *     (the entry and the sign-in page with their imports and CSS, from Vite's manifest), and the
 *     same with the dashboard (ECharts) that follows sign-in;
 *  2. GET /api/tenants (one page of 20, newest first, and sorted by name) p50/p99 with 1,000
 *     tenants in the registry;
 *  3. "create" click -> `active` shown in Chromium, next to the API-only figure (POST create ->
 *     status active polled), each with a real provisioner worker process.
 * Prints a table and writes bench/results/console.json. A measurement, never a test gate.
 *
 *   npm run build && npx tsx --conditions=development bench/console.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { createBody, createTenantRequest, startProvisioningEnv, uniquePhone, waitForStatus } from '../provisioner/test/helpers/provisioning';
import { SUPER_ADMIN } from '../control-plane/test/helpers/harness';
import { ensureChromium, ensureConsoleBuilt, launchChromium } from '../test/web/browser';
import { assetSizes } from './web-assets';

const TENANTS = 1000;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const r1 = (n: number) => Math.round(n * 10) / 10;
const kb = (n: number) => r1(n / 1024);

async function main(): Promise<void> {
  ensureConsoleBuilt();
  const sizes = assetSizes('control-plane/web');
  const dashboard = assetSizes('control-plane/web', 'src/pages/DashboardPage.vue');
  const env = await startProvisioningEnv('benchconsole', { LOG_LEVEL: 'silent' });
  try {
    // 2. a registry of 1,000 tenants
    const values: unknown[] = [];
    for (let i = 0; i < TENANTS; i++) {
      const code = `k${5000 + i}`;
      values.push(code, `Kindergarten ${i}`, `${code}.localhost`, `bench_${code}`, i % 10 === 0 ? 'suspended' : 'active', `1390000${String(i).padStart(4, '0')}`);
    }
    await env.cp.db.query(
      `INSERT INTO tenants (tenant_id, name, domain, database_name, status, contact_phone) VALUES ${Array.from({ length: TENANTS }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      values,
    );
    const token = env.tokens.operator;
    const list = async (query: string) => {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) await http('GET', `${env.cp.url}/api/tenants?${query}`, { token }); // warm-up
      for (let i = 0; i < SAMPLES; i++) {
        const t0 = performance.now();
        const res = await http('GET', `${env.cp.url}/api/tenants?${query}&page=${1 + (i % 50)}`, { token });
        times.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`list failed: ${res.status}`);
      }
      return { p50: r1(percentile(times, 50)), p99: r1(percentile(times, 99)) };
    };
    const newest = await list('pageSize=20');
    const byName = await list('pageSize=20&sort=name&order=asc');
    const search = await list('pageSize=20&q=Kindergarten%2012');

    // 3. create -> active: API only, then in the browser
    env.startWorker();
    const apiMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const body = await createBody(env);
      const t0 = performance.now();
      const res = await createTenantRequest(env, body);
      if (res.status !== 202) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
      await waitForStatus(env, res.body.data.tenantCode, ['active'], 90_000);
      apiMs.push(performance.now() - t0);
    }
    ensureChromium();
    const browser = await launchChromium();
    const browserMs: number[] = [];
    try {
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(90_000);
      await page.goto(`${env.cp.url}/admin/`);
      await page.getByLabel('用户名').fill(SUPER_ADMIN.username);
      await page.getByLabel('密码').fill(SUPER_ADMIN.password);
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByRole('heading', { name: '概览' }).waitFor();
      for (let i = 0; i < ROUNDS; i++) {
        await page.getByRole('menuitem', { name: '租户' }).click();
        await page.getByRole('button', { name: '新建租户' }).click();
        const dialog = page.getByRole('dialog', { name: '新建租户' });
        const phone = uniquePhone();
        await dialog.getByLabel('幼儿园名称').fill(`Bench ${i}`);
        await dialog.getByLabel('联系人').fill('Bench');
        await dialog.getByLabel('联系邮箱').fill('bench@example.com');
        await dialog.getByLabel('联系电话').fill(phone);
        await dialog.getByRole('button', { name: '发送验证码' }).click();
        await dialog.getByText(`验证码已发送至 ${phone}`).waitFor();
        await dialog.getByRole('button', { name: '从开发收件箱填入' }).click();
        while (!/^\d{6}$/.test(await dialog.getByLabel('短信验证码').inputValue())) await new Promise((r) => setTimeout(r, 20));
        const t0 = performance.now();
        await dialog.getByRole('button', { name: '创建' }).click();
        await page.getByText(/k\d+ 已开通/).waitFor();
        browserMs.push(performance.now() - t0);
      }
    } finally {
      await browser.close();
    }

    const result = {
      at: new Date().toISOString(),
      initialAssets: { jsGzipKb: kb(sizes.js), cssGzipKb: kb(sizes.css), totalGzipKb: kb(sizes.js + sizes.css), files: sizes.files },
      withDashboard: { totalGzipKb: kb(dashboard.js + dashboard.css) },
      tenantsList: { tenants: TENANTS, samples: SAMPLES, newest, byName, search },
      createToActive: { rounds: ROUNDS, apiMs: apiMs.map(Math.round), browserMs: browserMs.map(Math.round), apiMedian: Math.round(percentile(apiMs, 50)), browserMedian: Math.round(percentile(browserMs, 50)) },
    };
    console.log('\nAdmin console');
    console.table({
      'initial JS gzip (KB)': { value: result.initialAssets.jsGzipKb, target: '' },
      'initial CSS gzip (KB)': { value: result.initialAssets.cssGzipKb, target: '' },
      'initial JS+CSS gzip (KB)': { value: result.initialAssets.totalGzipKb, target: '<= 500' },
      'sign-in + dashboard (ECharts) JS+CSS gzip (KB)': { value: result.withDashboard.totalGzipKb, target: '' },
      'GET /api/tenants p50 / p99 ms (newest)': { value: `${newest.p50} / ${newest.p99}`, target: 'p99 < 50' },
      'GET /api/tenants p50 / p99 ms (sort=name)': { value: `${byName.p50} / ${byName.p99}`, target: 'p99 < 50' },
      'GET /api/tenants p50 / p99 ms (search)': { value: `${search.p50} / ${search.p99}`, target: 'p99 < 50' },
      'create -> active, API only (median ms)': { value: result.createToActive.apiMedian, target: '' },
      'create click -> active shown in Chromium (median ms)': { value: result.createToActive.browserMedian, target: '' },
    });
    fs.mkdirSync(path.join(repoRoot(), 'bench', 'results'), { recursive: true });
    fs.writeFileSync(path.join(repoRoot(), 'bench', 'results', 'console.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    await env.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
