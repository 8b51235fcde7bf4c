import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createLogger, listen, parseEnv, type RowDataPacket } from '@kg/shared';
import { http, testMysqlTarget, testRedisUrl } from '@kg/shared/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addModel } from '../../../control-plane/test/helpers/ai-fixtures';
import { startAiProviderStub, type AiProviderStub } from '../../../control-plane/test/stubs/ai-provider.stub';
import type { ProvisionerContext } from '../../../provisioner/src/context';
import { rollUpDay } from '../../../provisioner/src/modules/billing/usage-rollup';
import { createBody, createTenantRequest, startProvisioningEnv, uniquePhone, waitForStatus, type ProvisioningEnv } from '../../../provisioner/test/helpers/provisioning';
import { ConsoleWatch, ensureChromium, ensureWebBuilt, launchChromium, screenshot } from '../../../test/web/browser';
import { tenantAppEnvSchema } from '../../src/config';
import { createApp } from '../../src/http/app';
import { buildContext, closeContext } from '../../src/internal/build-context';

/**
 * The staff app in Debian's Chromium (docs/staff-app.md, Browser tests), on `kNNN.localhost`
 * hosts (Chromium resolves *.localhost to 127.0.0.1), against tenants provisioned by the real
 * provisioner worker, the real control plane and a tenant app serving the built app.
 */
const TIMEOUT = 20_000;
/** A screenshot under test-results/staff/, once dialogs and drawers have finished their animation. */
const shot = async (page: Page, name: string) => {
  await page.waitForTimeout(400);
  await screenshot(page, name, 'staff');
};
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b3e5a80000000049454e44ae426082',
  'hex',
);

async function provision(env: ProvisioningEnv, phone: string, name: string): Promise<{ code: string; otp: string | null }> {
  const res = await createTenantRequest(env, await createBody(env, { contactPhone: phone, name }));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const code = res.body.data.tenantCode as string;
  await waitForStatus(env, code, ['active']);
  const progress = await http('GET', `${env.cp.url}/api/tenants/${code}/progress`, { token: env.tokens.operator });
  return { code, otp: progress.body.data.adminCredentials?.oneTimePassword ?? null };
}

async function pick(page: Page, label: string, option: string) {
  await page.locator('.el-select').filter({ has: page.getByRole('combobox', { name: label }) }).first().click();
  await page.getByRole('option', { name: option, exact: true }).last().click();
}

async function signIn(page: Page, phone: string, password: string, labels = { phone: '手机号', pass: '密码', submit: '登录' }) {
  await page.getByLabel(labels.phone).fill(phone);
  await page.getByLabel(labels.pass).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
}

async function changePassword(page: Page, current: string, next: string) {
  await page.getByRole('heading', { name: '修改密码' }).waitFor();
  await page.getByLabel('当前密码').fill(current);
  await page.getByLabel(/^新密码（/).fill(next);
  await page.getByLabel('再次输入新密码').fill(next);
  await page.getByRole('button', { name: '修改密码' }).click();
}

async function menu(page: Page, name: string) {
  await page.getByRole('navigation').getByRole('menuitem', { name, exact: true }).click();
  await page.getByRole('heading', { name, exact: true }).first().waitFor();
}

describe('staff app in Chromium (sign-in, one-time password, tenant picker, pages, permissions, languages)', function () {
  this.timeout(300_000);
  let env: ProvisioningEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: ConsoleWatch;
  let server: { url: string; close(ms?: number): Promise<void> };
  let closeApp: () => Promise<void>;
  let provider: AiProviderStub;
  let port = 0;
  const principal = uniquePhone();
  const password = 'Sunshine2026';
  let a: { code: string; otp: string | null };
  let b: { code: string; otp: string | null };
  let teacher = { phone: uniquePhone(), otp: '' };
  const origin = (code?: string) => `http://${code ? `${code}.` : ''}localhost:${port}`;
  const balanceOf = async (code: string) => {
    await env.cp.ctx.aiCharges.idle(); // AI calls are charged just after their answer
    const [rows] = await env.cp.db.query<RowDataPacket[]>('SELECT CAST(balance AS CHAR) AS b FROM tenant_accounts WHERE tenant_id = ?', [code]);
    return Number(rows[0]!.b);
  };

  before(async () => {
    ensureChromium();
    ensureWebBuilt('tenant-app/web');
    env = await startProvisioningEnv('web-staff');
    env.startWorker();
    const target = testMysqlTarget();
    // The assistant goes through the control plane's real bridge (AI_BRIDGE_URL unset: the control
    // plane), to a model served by the OpenAI-compatible provider stub, streaming with pauses so
    // the page can be seen showing the answer as it arrives; the tenant's account is charged.
    provider = await startAiProviderStub();
    provider.set({ words: ['Hello', ' from', ' the assistant'], chunkDelayMs: 1000 });
    await addModel(env.cp, env.tokens.superAdmin, { name: 'stub-chat', endpointUrl: provider.url, isDefault: true, inputPricePer1k: 10, outputPricePer1k: 20 });
    const config = parseEnv(tenantAppEnvSchema, {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      TENANT_APP_PORT: '0',
      BASE_DOMAIN: 'localhost',
      CONTROL_PLANE_URL: env.cp.url,
      JWT_ISSUER: env.cp.config.JWT_ISSUER,
      MYSQL_HOST: target.host,
      MYSQL_PORT: String(target.port),
      MYSQL_USER: target.user,
      MYSQL_PASSWORD: target.password,
      CONTROL_DB_NAME: env.cp.config.CONTROL_DB_NAME,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: env.cp.config.REDIS_KEY_PREFIX,
      STORAGE_LOCAL_ROOT: env.storageRoot,
      // Tenants provisioned here get their own MySQL account (docs/privileges.md); with no role
      // account in this environment the app switches to it with COM_CHANGE_USER.
      MASTER_KEY: env.cp.config.MASTER_KEY,
      TENANT_DB_SWITCH_WITH: 'change_user',
    });
    const ctx = await buildContext(config, createLogger('staff-app-test', config.LOG_LEVEL));
    server = await listen(createApp(ctx), 0, '127.0.0.1');
    port = Number(new URL(server.url).port);
    closeApp = async () => {
      await server.close(1000);
      await closeContext(ctx);
    };
    a = await provision(env, principal, '阳光幼儿园');
    b = await provision(env, principal, '月亮幼儿园');
    assert.ok(a.otp, 'the first tenant creates the account with a one-time password');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    watch = new ConsoleWatch(page);
  });
  after(async () => {
    await browser?.close();
    await closeApp?.();
    await provider?.close();
    await env?.close();
  });

  it('when the principal opens the subdomain and signs in with the one-time password, then they must change it and land on the dashboard', async () => {
    watch.step = 'sign-in';
    await page.goto(`${origin(a.code)}/`);
    await page.getByRole('button', { name: '登录' }).waitFor();
    await shot(page, '01-sign-in');
    await signIn(page, principal, a.otp!);
    await page.getByRole('heading', { name: '修改密码' }).waitFor();
    await shot(page, '01b-change-password');
    await changePassword(page, a.otp!, password);
    await page.getByRole('heading', { name: '工作台' }).waitFor();
    assert.equal(new URL(page.url()).host, `${a.code}.localhost:${port}`);
    await page.getByText('阳光幼儿园').first().waitFor();
    await shot(page, '02-dashboard-zh');
  });

  it('when the language is switched, then the app speaks English', async () => {
    watch.step = 'language';
    await pick(page, '语言 / Language', 'English');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await shot(page, '03-dashboard-en');
  });

  it('when a class is created, and a student in it with a parent, then the class shows the student and the student the parent', async () => {
    watch.step = 'classes';
    await menu(page, 'Classes');
    await page.getByRole('button', { name: 'New', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Sunflower');
    await pick(page, 'Grade', 'Small class');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'Sunflower' }).waitFor();

    await menu(page, 'Students');
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await dialog.getByLabel('Name').fill('Xiao Ming');
    await pick(page, 'Gender', 'Boy / male');
    await dialog.locator('#f-students-birthDate').fill('2022-03-01');
    await dialog.locator('#f-students-birthDate').press('Enter');
    await pick(page, 'Class', 'Sunflower');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'Xiao Ming' }).waitFor();
    await page.getByRole('row', { name: /Xiao Ming/ }).getByRole('button', { name: 'Details' }).click();
    await page.getByLabel('Name', { exact: true }).last().fill('Wang Li');
    await page.locator('#sp-phone').fill('13912345678');
    await page.getByRole('button', { name: 'Add a parent' }).last().click();
    await page.getByRole('cell', { name: 'Wang Li' }).waitFor();
    await shot(page, '04-student-parent');
    await page.keyboard.press('Escape');

    await menu(page, 'Classes');
    await page.getByRole('row', { name: /Sunflower/ }).getByRole('button', { name: 'Details' }).click();
    await page.getByRole('cell', { name: 'Xiao Ming' }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('when an application comes in for a plan, then it can be approved into the class', async () => {
    watch.step = 'enrollment';
    await menu(page, 'Enrollment');
    await page.getByRole('tab', { name: 'Plans' }).click();
    await page.getByRole('tabpanel', { name: 'Plans' }).getByRole('button', { name: 'New', exact: true }).click();
    const dialog = page.getByRole('dialog').filter({ has: page.locator('#f-plans-title') });
    await dialog.getByLabel('Title').fill('Autumn 2026');
    await dialog.locator('#f-plans-startDate').fill('2026-03-01');
    await dialog.locator('#f-plans-startDate').press('Enter');
    await dialog.locator('#f-plans-endDate').fill('2026-09-30');
    await dialog.locator('#f-plans-endDate').press('Enter');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'Autumn 2026' }).waitFor();

    await page.getByRole('tab', { name: 'Applications' }).click();
    await page.getByRole('tabpanel', { name: 'Applications' }).getByRole('button', { name: 'New', exact: true }).click();
    const app = page.getByRole('dialog').filter({ has: page.locator('#f-applications-childName') });
    await pick(page, 'Enrollment plan', 'Autumn 2026');
    await app.getByLabel('Child', { exact: true }).fill('Li Lei');
    await pick(page, "Child's gender", 'Girl / female');
    await app.locator('#f-applications-childBirthDate').fill('2022-06-01');
    await app.locator('#f-applications-childBirthDate').press('Enter');
    await app.getByLabel('Parent', { exact: true }).fill('Li Na');
    await app.getByLabel("Parent's phone").fill('13712345678');
    await app.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'Li Lei' }).waitFor();
    await page.getByRole('row', { name: /Li Lei/ }).getByRole('button', { name: 'Review' }).click();
    await pick(page, 'Class', 'Sunflower');
    await shot(page, '05-review');
    await page.getByRole('dialog').filter({ hasText: 'Decision' }).getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('row', { name: /Li Lei/ }).getByText('Approved').waitFor();
  });

  it('when families register for an activity until it is full, then the next one is refused plainly', async () => {
    watch.step = 'activities';
    await menu(page, 'Activities');
    await page.getByRole('button', { name: 'New', exact: true }).click();
    const dialog = page.getByRole('dialog').filter({ has: page.locator('#f-activities-title') });
    await dialog.getByLabel('Title').fill('Open day');
    await dialog.locator('#f-activities-startTime').fill('2027-05-01 09:00:00');
    await dialog.locator('#f-activities-startTime').press('Enter');
    await dialog.locator('#f-activities-endTime').fill('2027-05-01 11:00:00');
    await dialog.locator('#f-activities-endTime').press('Enter');
    await dialog.locator('#f-activities-capacity').fill('1');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'Open day' }).waitFor();
    await page.getByRole('row', { name: /Open day/ }).getByRole('button', { name: 'Registrations' }).click();
    for (const [parent, phone] of [['Zhao', '13611111111'], ['Qian', '13622222222']]) {
      if (parent === 'Qian') watch.step = 'activity-full'; // the refusal below is expected
      await page.getByLabel('Parent', { exact: true }).fill(parent!);
      await page.getByLabel("Parent's phone").fill(phone!);
      await page.getByRole('button', { name: 'Register a family' }).last().click();
      if (parent === 'Zhao') await page.getByRole('cell', { name: 'Zhao' }).waitFor();
    }
    await page.getByRole('alert').filter({ hasText: 'This activity is full' }).waitFor();
    await shot(page, '06-activity-full');
    await page.keyboard.press('Escape');
  });

  it('when a file is uploaded, then it is listed and downloads with the same bytes', async () => {
    watch.step = 'files';
    await menu(page, 'Files');
    await page.getByLabel('Upload a file').setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('cell', { name: 'pixel.png' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('row', { name: /pixel\.png/ }).getByRole('button', { name: 'Download' }).click()]);
    assert.deepEqual(fs.readFileSync((await download.path())!), PNG);
    await page.getByRole('row', { name: /pixel\.png/ }).getByRole('button', { name: 'Preview' }).click();
    await page.getByRole('dialog').getByRole('img', { name: 'pixel.png' }).waitFor();
    await shot(page, '07-files');
    await page.keyboard.press('Escape');
  });

  it('when a question is asked of the AI assistant, then the answer appears piece by piece and is kept', async () => {
    watch.step = 'ai';
    await menu(page, 'AI assistant');
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByLabel('Your question').fill('Plan an open day');
    await page.getByRole('button', { name: 'Send' }).click();
    const live = page.getByTestId('streaming');
    await live.filter({ hasText: 'Hello' }).waitFor();
    assert.ok(!(await live.innerText()).includes('from'), 'the first piece shows before the second one arrived');
    await shot(page, '07b-ai-streaming');
    await live.filter({ hasText: 'Hello from' }).waitFor();
    assert.ok(!(await live.innerText()).includes('the assistant'), 'the second piece shows before the last one arrived');
    await page.getByText('Hello from the assistant').waitFor();
    await live.waitFor({ state: 'detached' });
    await page.getByText('Plan an open day', { exact: false }).first().waitFor();
    // The bridge charged the kindergarten once the answer ended: 12 input tokens at 10 per 1k and
    // 3 output tokens at 20 per 1k (the stub's usage) = 0.18, from a starting balance of 0.
    assert.equal(provider.requests.filter((r) => r.path.endsWith('/chat/completions')).length, 1, 'one call reached the provider');
    assert.equal(await balanceOf(a.code), -0.18);
    await menu(page, 'Billing');
    await page.getByTestId('balance').filter({ hasText: '-CN¥0.18' }).waitFor();
    await page.getByRole('row', { name: /AI usage/ }).first().waitFor();
    await page.getByRole('row', { name: /AI chat \(stub-chat\)/ }).first().waitFor();
  });

  it('when the principal redeems a recharge card, then the balance rises; the same code again says it was already used', async () => {
    watch.step = 'redeem';
    const batch = await http('POST', `${env.cp.url}/api/recharge-cards/batches`, {
      token: env.tokens.admin,
      body: { value: 100, count: 1, expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    const code = batch.body.data.codes[0] as string;
    await page.getByLabel('Recharge card code').fill(code);
    await page.getByRole('button', { name: 'Redeem' }).click();
    await page.getByRole('status').filter({ hasText: 'Recharged CN¥100.00. The balance is now CN¥99.82.' }).waitFor();
    await page.getByTestId('balance').filter({ hasText: 'CN¥99.82' }).waitFor();
    await page.getByRole('row', { name: /Recharge/ }).first().waitFor();
    assert.equal(await balanceOf(a.code), 99.82);
    await shot(page, '07c-billing-recharged');

    watch.step = 'redeem-again'; // the 409 below is expected
    await page.getByLabel('Recharge card code').fill(code);
    await page.getByRole('button', { name: 'Redeem' }).click();
    await page.getByRole('alert').filter({ hasText: 'This card has already been used' }).waitFor();
    await page.getByTestId('balance').filter({ hasText: 'CN¥99.82' }).waitFor();
    assert.equal(await balanceOf(a.code), 99.82, 'a second redeem adds nothing');
    await shot(page, '07d-billing-already-used');
  });

  it("when the day's usage is rolled up, then the usage page charts it and lists it per model", async () => {
    watch.step = 'usage';
    // The provisioner's nightly roll-up, run for today so the call above is in the figures.
    const day = new Date().toISOString().slice(0, 10);
    await rollUpDay({ db: env.cp.db, logger: { info: () => undefined } } as unknown as ProvisionerContext, day);
    await menu(page, 'AI usage');
    const chart = page.getByRole('img', { name: 'AI calls and tokens per day' });
    await chart.locator('canvas').waitFor();
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 200, 'the chart has room to draw');
    const row = page.getByRole('row', { name: /stub-chat/ });
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(`${day}\\s+stub-chat\\s+1\\s+12\\s+3`));
    await shot(page, '07e-usage');

    watch.step = 'billing-zh';
    await pick(page, 'Language', '中文');
    await menu(page, '费用');
    await page.getByTestId('balance').filter({ hasText: '99.82' }).waitFor();
    // The ledger's own texts in the reader's language; the server books them in English.
    await page.getByRole('row', { name: /AI 对话（stub-chat）/ }).first().waitFor();
    await page.getByRole('row', { name: /充值卡 [0-9a-f]{8}/ }).first().waitFor();
    await shot(page, '07f-billing-zh');
    await menu(page, 'AI 用量');
    await page.getByRole('img', { name: '每日 AI 调用与 Token 用量' }).locator('canvas').waitFor();
    await shot(page, '07g-usage-zh');
    await pick(page, '语言 / Language', 'English');
    await page.getByRole('heading', { name: 'AI usage' }).first().waitFor();
  });

  it('when the account has run dry, then the assistant says so and points the principal to the Billing page', async () => {
    watch.step = 'out-of-funds'; // the 402 below is expected
    // Balance plus credit limit at zero (the credit limit of the basic plan is 50).
    await env.cp.db.query("UPDATE tenant_accounts SET balance = '-50' WHERE tenant_id = ?", [a.code]);
    const calls = provider.requests.length;
    await menu(page, 'AI assistant');
    await page.getByRole('menuitem', { name: /^Conversation / }).first().click();
    await page.getByLabel('Your question').fill('One more question');
    await page.getByRole('button', { name: 'Send' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'recharge to continue' });
    await alert.waitFor();
    assert.equal(provider.requests.length, calls, 'the provider was not called');
    await shot(page, '07h-ai-out-of-funds');
    await alert.getByRole('link', { name: 'Recharge the account on the Billing page' }).click();
    await page.getByRole('heading', { name: 'Billing' }).waitFor();
    await page.getByTestId('balance').filter({ hasText: '-CN¥50.00' }).waitFor();
  });

  it('when the principal adds a teacher, then the one-time password is shown once', async () => {
    watch.step = 'staff';
    await menu(page, 'Staff');
    await page.getByRole('button', { name: 'Add staff' }).click();
    await page.locator('#st-phone').fill(teacher.phone);
    await page.locator('#st-name').fill('Teacher Chen');
    await pick(page, 'Role', 'Teacher');
    await page.getByRole('dialog').getByRole('button', { name: 'Add staff' }).click();
    const otp = page.getByTestId('one-time-password');
    await otp.waitFor();
    teacher.otp = await otp.inputValue();
    assert.equal(teacher.otp.length, 20);
    await shot(page, '08-staff-otp');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'Teacher Chen' }).waitFor();
    await menu(page, 'Roles');
    await shot(page, '09-roles');
  });

  it('when the principal signs in on the bare domain, then the picker lists both kindergartens and choosing one lands on its subdomain', async () => {
    watch.step = 'picker';
    const other = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const p2 = await other.newPage();
    p2.setDefaultTimeout(TIMEOUT);
    const watch2 = new ConsoleWatch(p2);
    await p2.goto(`${origin()}/`);
    await signIn(p2, principal, password);
    await p2.getByRole('heading', { name: '选择幼儿园' }).waitFor();
    await shot(p2, '10-picker');
    await p2.getByRole('button', { name: new RegExp(b.code) }).click();
    await p2.getByRole('heading', { name: '工作台' }).waitFor();
    assert.equal(new URL(p2.url()).host, `${b.code}.localhost:${port}`);
    await p2.getByText('月亮幼儿园').first().waitFor();
    await shot(p2, '11-picked-tenant');
    assert.deepEqual(watch2.unexpected(), []);
    await other.close();
  });

  it('when the teacher signs in, then staff management is not offered; when disabled, the next request signs them out', async () => {
    watch.step = 'teacher';
    const other = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const p3 = await other.newPage();
    p3.setDefaultTimeout(TIMEOUT);
    const watch3 = new ConsoleWatch(p3);
    await p3.goto(`${origin(a.code)}/`);
    await signIn(p3, teacher.phone, teacher.otp);
    await changePassword(p3, teacher.otp, 'Teacher2026x');
    await p3.getByRole('heading', { name: '工作台' }).waitFor();
    const nav = p3.getByRole('navigation');
    await nav.getByRole('menuitem', { name: '班级' }).waitFor();
    assert.equal(await nav.getByRole('menuitem', { name: '教职工' }).count(), 0);
    assert.equal(await nav.getByRole('menuitem', { name: '角色' }).count(), 0);
    assert.equal(await nav.getByRole('menuitem', { name: '费用' }).count(), 0, 'a teacher does not see the billing page');
    assert.equal(await nav.getByRole('menuitem', { name: 'AI 用量' }).count(), 0);
    await shot(p3, '12-teacher-menu');
    await p3.goto(`${origin(a.code)}/staff`);
    await p3.getByRole('heading', { name: '工作台' }).waitFor(); // the route refuses, back to the dashboard
    await p3.goto(`${origin(a.code)}/billing`);
    await p3.getByRole('heading', { name: '工作台' }).waitFor();
    assert.equal(new URL(p3.url()).pathname, '/dashboard');

    // The principal disables the teacher (through the API, as the staff page does).
    watch3.step = 'disabled';
    const signInRes = await http('POST', `${env.cp.url}/api/auth/login`, { body: { phone: principal, password } });
    // Node cannot resolve *.localhost: name the tenant with the header instead.
    const headers = { 'x-tenant-code': a.code };
    const list = await http('GET', `${server.url}/api/staff?pageSize=100`, { token: signInRes.body.data.token, headers });
    const member = list.body.data.items.find((m: { phone: string }) => m.phone === teacher.phone);
    assert.equal((await http('PUT', `${server.url}/api/staff/${member.id}`, { token: signInRes.body.data.token, headers, body: { status: 'disabled' } })).status, 200);
    // The next request signs the teacher out: the click's, or a background request of the page
    // that got there first (the menu is then gone and the click has nothing to click).
    await nav.getByRole('menuitem', { name: '幼儿' }).click({ timeout: 5_000 }).catch(() => undefined);
    await p3.getByRole('alert').filter({ hasText: '您已被退出' }).waitFor();
    assert.equal(new URL(p3.url()).pathname, '/login');
    await shot(p3, '13-disabled-signed-out');
    assert.deepEqual(watch3.unexpected({ disabled: [401, 403] }), []);
    await other.close();
  });

  it('then no page logged an unexpected console error', () => {
    assert.deepEqual(watch.unexpected({ 'activity-full': [409], 'redeem-again': [409], 'out-of-funds': [402] }), []);
  });
});
