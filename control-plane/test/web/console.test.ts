import assert from 'node:assert/strict';
import fs from 'node:fs';
import { http } from '@kg/shared/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startProvisioningEnv, uniquePhone, type ProvisioningEnv } from '../../../provisioner/test/helpers/provisioning';
import { SUPER_ADMIN } from '../helpers/harness';
import { ConsoleWatch, ensureChromium, ensureConsoleBuilt, launchChromium, screenshot } from '../../../test/web/browser';

const TIMEOUT = 20_000;

async function signIn(page: Page, url: string, username: string, password: string, labels = { user: '用户名', pass: '密码', submit: '登录' }) {
  await page.goto(`${url}/admin/`);
  await page.getByLabel(labels.user).fill(username);
  await page.getByLabel(labels.pass).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
}

async function chooseLanguage(page: Page, current: string, wanted: string) {
  // Element Plus draws the selected value over its input: click the select itself.
  await page.locator('.el-select').filter({ has: page.getByRole('combobox', { name: current }) }).first().click();
  await page.getByRole('option', { name: wanted }).click();
}

async function confirmDialog(page: Page, expectText: RegExp, button: string) {
  const box = page.getByRole('dialog').filter({ hasText: expectText });
  await box.waitFor({ timeout: TIMEOUT });
  await box.getByRole('button', { name: button, exact: true }).click();
}

describe('admin console in Chromium (sign-in, create with live progress, lifecycle, roles, languages)', function () {
  this.timeout(240_000);
  let env: ProvisioningEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: ConsoleWatch;
  let code = '';

  before(async () => {
    ensureChromium();
    ensureConsoleBuilt();
    env = await startProvisioningEnv('web-console');
    env.startWorker();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    watch = new ConsoleWatch(page);
  });
  after(async () => {
    await browser?.close();
    await env?.close();
  });

  it('when the super admin signs in (Chinese by default) and switches to English, then the dashboard shows in each language', async () => {
    watch.step = 'sign-in';
    await page.goto(`${env.cp.url}/`);
    await page.getByRole('button', { name: '登录' }).waitFor();
    await screenshot(page, '01-sign-in');
    await signIn(page, env.cp.url, SUPER_ADMIN.username, SUPER_ADMIN.password);
    await page.getByRole('heading', { name: '概览' }).waitFor();
    await chooseLanguage(page, '语言', 'English');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('Tenants by status').waitFor();
    await screenshot(page, '02-dashboard');
  });

  it('when the page is reloaded, then the session resumes through the HttpOnly refresh cookie, with no token in the request body', async () => {
    watch.step = 'reload';
    const refreshBodies: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/admin/auth/refresh')) refreshBodies.push(r.postData() ?? '');
    });
    await page.reload();
    await page.getByRole('heading', { name: /^(Dashboard|概览)$/ }).waitFor();
    assert.deepEqual(refreshBodies, ['{}']);
    const cookie = (await context.cookies()).find((c) => c.name === 'kg_admin_refresh');
    assert.ok(cookie, 'the refresh cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.path, '/api/admin/auth');
    assert.equal(await page.getByRole('button', { name: /^(Sign in|登录)$/ }).count(), 0);
  });

  it('when a tenant is created through the form, then a field error shows for a wrong SMS code, and the eight steps reach active live with the one-time password', async () => {
    watch.step = 'create';
    await page.getByRole('menuitem', { name: 'Tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants' }).waitFor();
    await page.getByRole('button', { name: 'New tenant' }).click();
    const dialog = page.getByRole('dialog', { name: 'New tenant' });
    await dialog.getByLabel('Contact phone').fill('12345');
    await dialog.getByRole('button', { name: 'Send code' }).click();
    await dialog.getByText('Must be a valid mobile phone number').waitFor();
    const phone = uniquePhone();
    await dialog.getByLabel('Contact phone').fill(phone);
    await dialog.getByLabel('Kindergarten name').fill('Sunshine Kindergarten');
    await dialog.getByLabel('Contact name').fill('Zhang San');
    await dialog.getByLabel('Contact email').fill('zhang@example.com');
    await dialog.getByRole('button', { name: 'Send code' }).click();
    await dialog.getByText(`Code sent to ${phone}`).waitFor();
    watch.step = 'wrong-code';
    await dialog.getByLabel('SMS code').fill('000000');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByText('The verification code is wrong').waitFor();
    await screenshot(page, '03-create-field-error');
    watch.step = 'create';
    await dialog.getByRole('button', { name: 'Fill from dev inbox' }).click();
    await assertEventually(async () => /^\d{6}$/.test(await dialog.getByLabel('SMS code').inputValue()));
    const clicked = Date.now();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/admin\/tenants\/k\d+\/progress$/);
    code = /tenants\/(k\d+)\/progress/.exec(page.url())![1]!;
    await page.getByText(`${code} is active`).waitFor({ timeout: 90_000 });
    const shownMs = Date.now() - clicked;
    await page.getByTestId('one-time-password').waitFor();
    const otp = (await page.getByTestId('one-time-password').textContent())!.trim();
    assert.ok(otp.length >= 12);
    const steps = page.getByRole('table').last().locator('tbody tr');
    assert.equal(await steps.count(), 8);
    await screenshot(page, '04-progress-active');
    const [[row]] = await env.cp.db.query<any[]>('SELECT status FROM tenants WHERE tenant_id = ?', [code]);
    assert.equal(row.status, 'active');
    process.stdout.write(`      create click -> active shown: ${shownMs} ms\n`);
  });

  it('when the tenant is edited, suspended, deleted (cleanup entry cancelled) and restored, then each change shows after a confirmation that says what happens', async () => {
    watch.step = 'lifecycle';
    await page.getByRole('link', { name: 'Open tenant' }).click();
    await page.getByRole('heading', { name: new RegExp(`Tenant ${code}`) }).waitFor();
    await page.getByRole('button', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${code}` });
    await edit.getByLabel('Kindergarten name').fill('Sunflower Kindergarten');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: `Tenant ${code} · Sunflower Kindergarten` }).waitFor();

    await page.getByRole('button', { name: 'Suspend' }).click();
    await confirmDialog(page, /refused within a second/, 'Suspend');
    await assertEventually(async () => (await page.getByTestId('tenant-status').first().textContent())?.trim() === 'Suspended');
    await page.getByRole('button', { name: 'Activate' }).click();
    await confirmDialog(page, /sign in and work again/, 'Activate');
    await assertEventually(async () => (await page.getByTestId('tenant-status').first().textContent())?.trim() === 'Active');

    await page.getByRole('button', { name: 'Delete' }).click();
    await confirmDialog(page, /DNS removed now, data purged on/, 'Delete');
    await assertEventually(async () => (await page.getByTestId('tenant-status').first().textContent())?.trim() === 'Deleted');
    await screenshot(page, '05-tenant-deleted');

    await page.getByRole('menuitem', { name: 'Cleanup queue' }).click();
    await page.getByRole('heading', { name: 'Cleanup queue' }).waitFor();
    const cancels = page.getByRole('button', { name: new RegExp(`^Cancel purge ${code} `) });
    await cancels.first().waitFor();
    const before = await cancels.count();
    assert.ok(before >= 2, `cleanup entries of ${code}: ${before}`);
    await screenshot(page, '06-cleanup');
    await cancels.first().click();
    await confirmDialog(page, /Cancel the purge of/, 'Cancel purge');
    await page.getByText('Cleanup entry cancelled').waitFor();
    await assertEventually(async () => (await cancels.count()) === before - 1);
    const [[cancelled]] = await env.cp.db.query<any[]>("SELECT COUNT(*) AS n FROM tenant_resource_cleanup WHERE tenant_code = ? AND status = 'cancelled'", [code]);
    assert.equal(Number(cancelled.n), 1);

    await page.getByRole('link', { name: code }).first().click();
    await page.getByRole('button', { name: 'Restore' }).click();
    await confirmDialog(page, /all its data/, 'Restore');
    await assertEventually(async () => (await page.getByTestId('tenant-status').first().textContent())?.trim() === 'Active');
    await screenshot(page, '07-tenant-detail');
    const [[row]] = await env.cp.db.query<any[]>('SELECT status, name FROM tenants WHERE tenant_id = ?', [code]);
    assert.deepEqual({ ...row }, { status: 'active', name: 'Sunflower Kindergarten' });
  });

  it('when an admin generates a card batch, adjusts a balance and opens the dashboard, then the codes show once with a CSV, the adjustment is a transaction and the AI chart renders', async () => {
    watch.step = 'cards';
    await page.getByRole('menuitem', { name: 'Recharge cards' }).click();
    await page.getByRole('heading', { name: 'Recharge cards' }).waitFor();
    await page.getByRole('button', { name: 'Generate batch' }).click();
    const gen = page.getByRole('dialog', { name: 'Generate batch' });
    await gen.getByLabel('Value per card').fill('25.5');
    await gen.getByLabel('Cards', { exact: true }).fill('3');
    await gen.getByRole('button', { name: 'Generate', exact: true }).click();
    const once = page.getByRole('dialog', { name: 'New recharge cards' });
    await once.getByText(/shown only now/).waitFor();
    const codes = (await once.getByTestId('card-codes').locator('li').allTextContents()).map((c) => c.trim());
    assert.equal(codes.length, 3);
    for (const c of codes) assert.match(c, /^[A-Z2-9]{5}(-[A-Z2-9]{5}){3}$/);
    await screenshot(page, '18-card-codes-once');
    const [download] = await Promise.all([page.waitForEvent('download'), once.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    assert.equal(csv.trim().split(/\r\n/).length, 4, csv);
    for (const c of codes) assert.ok(csv.includes(`${c},25.50,`), csv);
    await once.getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByText('0 / 3').waitFor();
    assert.equal(await page.getByText(codes[0]!).count(), 0, 'codes are gone once the dialog closes');
    await page.reload();
    await page.getByText('0 / 3').waitFor();
    assert.equal(await page.content().then((html) => codes.some((c) => html.includes(c))), false, 'the batch list never shows codes');
    await screenshot(page, '19-card-batches');

    watch.step = 'adjust';
    await env.cp.db.query(
      "INSERT INTO billing_records (tenant_id, period_start, period_end, base_fee, overage_fee, total_amount, status) VALUES (?, '2026-10-01', '2026-10-31', 99, 0, 99, 'issued')",
      [code],
    );
    await page.getByRole('menuitem', { name: 'Tenants' }).click();
    await page.getByRole('link', { name: code }).first().click();
    const billing = page.getByTestId('tenant-billing');
    await billing.getByTestId('billing-balance').waitFor();
    const before = Number((await billing.getByTestId('billing-balance').textContent())!.replace(/,/g, ''));
    await billing.getByRole('button', { name: 'Adjust balance' }).click();
    const adjust = page.getByRole('dialog', { name: `Adjust the balance of ${code}` });
    await adjust.getByLabel('Amount').fill('12.34');
    watch.step = 'adjust-no-reason';
    await adjust.getByRole('button', { name: 'Book adjustment' }).click();
    await adjust.getByText('is required').waitFor();
    watch.step = 'adjust';
    await adjust.getByLabel('Reason').fill('Goodwill credit for the open day');
    await adjust.getByRole('button', { name: 'Book adjustment' }).click();
    await page.getByText(/Adjustment booked; balance now/).waitFor();
    const row = billing.locator('tbody tr').filter({ hasText: 'Goodwill credit for the open day' });
    await row.waitFor();
    assert.match((await row.textContent())!, /Adjustment.*\+12\.34/);
    await assertEventually(async () => Math.abs(Number((await billing.getByTestId('billing-balance').textContent())!.replace(/,/g, '')) - (before + 12.34)) < 0.005);
    watch.step = 'settle';
    const bill = billing.locator('tbody tr').filter({ hasText: '2026-10-01 – 2026-10-31' });
    await bill.getByRole('button', { name: 'Mark overdue' }).click();
    await confirmDialog(page, /overdue until every overdue bill is paid/, 'Mark overdue');
    await bill.getByText('Overdue', { exact: true }).waitFor();
    await assertEventually(async () => (await billing.getByTestId('payment-status').textContent())?.trim() === 'Overdue');
    await bill.getByRole('button', { name: 'Mark paid' }).click();
    await confirmDialog(page, /cannot be changed again/, 'Mark paid');
    await bill.getByText('Paid', { exact: true }).waitFor();
    await assertEventually(async () => (await billing.getByTestId('payment-status').textContent())?.trim() === 'Normal');
    assert.equal(await bill.getByRole('button', { name: /^Mark/ }).count(), 0, 'a paid bill offers no more actions');
    await screenshot(page, '20-tenant-billing-adjusted');
    const [[tx]] = await env.cp.db.query<any[]>("SELECT CAST(amount AS CHAR) AS a, description FROM tenant_balance_transactions WHERE tenant_id = ? AND type = 'adjustment'", [code]);
    assert.deepEqual([tx.a, tx.description], ['12.340000', 'Goodwill credit for the open day']);

    watch.step = 'usage';
    const [[t]] = await env.cp.db.query<any[]>('SELECT id FROM tenants WHERE tenant_id = ?', [code]);
    const [model] = await env.cp.db.query<any>(
      "INSERT INTO ai_model_config (name, display_name, provider, endpoint_url) VALUES ('console-chart-model', 'Chart model', 'openai', 'http://127.0.0.1:9/v1')",
    );
    for (let i = 0; i < 4; i++) {
      await env.cp.db.query(
        "INSERT INTO ai_service_call_logs (tenant_id, model_id, request_id, input_tokens, output_tokens, total_tokens, cost, status) VALUES (?, ?, ?, 100, 50, 150, 0.0025, 'success')",
        [t.id, model.insertId, `console-usage-${code}-${i}`],
      );
    }
    await page.getByRole('menuitem', { name: 'Dashboard' }).click();
    const card = page.getByTestId('ai-usage-by-model');
    await card.locator('canvas').first().waitFor();
    await card.getByRole('cell', { name: 'console-chart-model' }).waitFor();
    await card.getByText('Tokens', { exact: true }).first().click();
    await card.getByText('7 days').click();
    await card.getByRole('cell', { name: '600' }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1500); // let ECharts finish its transition before the screenshot
    await screenshot(page, '21-dashboard-ai-by-model');
  });

  it('when every page is opened, then each shows its heading and the chain verifies, with no console errors', async () => {
    watch.step = 'pages';
    const pages: Array<[string, string]> = [
      ['Global users', '08-users'],
      ['Database servers', '09-db-servers'],
      ['AI models', '10-ai-models'],
      ['Plans', '10b-plans'],
      ['Schema rollouts', '11-schema'],
      ['Audit log', '12-audit'],
      ['Admins', '13-admins'],
      ['SMS dev inbox', '14-sms-inbox'],
      ['Tenants', '15-tenants'],
      ['Dashboard', '16-dashboard-after'],
    ];
    for (const [name, file] of pages) {
      await page.getByRole('menuitem', { name }).click();
      await page.getByRole('heading', { name }).waitFor();
      if (name === 'Audit log') {
        await page.getByRole('button', { name: 'Verify chain' }).click();
        await page.getByText(/Chain intact: \d+ rows checked/).waitFor();
      }
      if (name === 'Schema rollouts') {
        await page.getByRole('button', { name: 'Check drift' }).click();
        await page.getByText(/Template version \d+/).waitFor();
      }
      await page.waitForLoadState('networkidle');
      await screenshot(page, file);
    }
    assert.deepEqual(watch.unexpected({ 'wrong-code': [400], 'adjust-no-reason': [400] }), []);
  });

  it('when an operator signs in, then admin-only pages and actions are not offered and the API still refuses them', async () => {
    const password = 'Operat0r-pass-2026';
    const made = await http('POST', `${env.cp.url}/api/admin/users`, {
      token: env.tokens.superAdmin,
      body: { username: 'console-operator', password, role: 'operator' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const ctx2 = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const op = await ctx2.newPage();
    op.setDefaultTimeout(TIMEOUT);
    const opWatch = new ConsoleWatch(op);
    try {
      await op.goto(`${env.cp.url}/admin/`);
      await chooseLanguage(op, '语言', 'English');
      await signIn(op, env.cp.url, 'console-operator', password, { user: 'Username', pass: 'Password', submit: 'Sign in' });
      await op.getByRole('heading', { name: 'Dashboard' }).waitFor();
      assert.equal(await op.getByRole('menuitem', { name: 'Admins' }).count(), 0);
      await op.getByRole('menuitem', { name: 'Tenants' }).click();
      await op.getByRole('link', { name: code }).click();
      await op.getByRole('heading', { name: new RegExp(`Tenant ${code}`) }).waitFor();
      await op.getByTestId('tenant-status').first().waitFor();
      for (const action of ['Edit', 'Suspend', 'Delete', 'Bind user', 'Unbind', 'Adjust balance', 'Change plan']) {
        assert.equal(await op.getByRole('button', { name: action }).count(), 0, `${action} offered to an operator`);
      }
      await screenshot(op, '17-operator-tenant-detail');
      const refused = await http('PATCH', `${env.cp.url}/api/tenants/${code}`, { token: env.tokens.operator, body: { name: 'x' } });
      assert.equal(refused.status, 403);
      assert.deepEqual(opWatch.unexpected(), []);
    } finally {
      await ctx2.close();
    }
  });
});

async function assertEventually(check: () => Promise<boolean>, timeoutMs = TIMEOUT): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
