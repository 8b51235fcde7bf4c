import assert from 'node:assert/strict';
import express from 'express';
import { listen, type RunningServer } from '@kg/shared';
import { http } from '@kg/shared/testing';
import { phone } from './helpers/catalogue';
import { startTenantStack, tenantHeader, type TenantStack, type TestTenant, type TestUser } from './helpers/harness';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

/** A stand-in for the control plane's AI bridge speaking its contract (AiBridgeClient; docs/request-path.md, The API). */
async function startBridgeStub() {
  const calls: Array<{ headers: Record<string, unknown>; body: any }> = [];
  let mode: 'ok' | 'quota' | 'rate' | 'broken' = 'ok';
  const app = express();
  app.use(express.json());
  const seen = new Set<string>();
  app.post('/api/v1/ai/bridge/chat', (req, res) => {
    calls.push({ headers: req.headers, body: req.body });
    if (req.body.requestId) {
      if (seen.has(req.body.requestId)) return void res.status(409).json({ success: false, error: { code: 'DUPLICATE_REQUEST', message: 'Repeated request id' } });
      seen.add(req.body.requestId);
    }
    if (mode === 'quota') return void res.status(402).json({ success: false, error: { code: 'PAYMENT_REQUIRED', message: 'AI balance exhausted' } });
    if (mode === 'rate') {
      res.set('Retry-After', '7');
      return void res.status(429).json({ success: false, error: { code: 'RATE_LIMITED', message: 'Too many AI calls' } });
    }
    if (mode === 'broken') return void res.status(500).send('boom');
    const last = req.body.messages[req.body.messages.length - 1];
    if (req.body.stream === true) {
      // The bridge's stream: deltas, then done with usage, then [DONE] (docs/ai-billing.md).
      res.status(200).set('Content-Type', 'text/event-stream').flushHeaders();
      for (const piece of ['echo: ', String(last.content)]) res.write(`data: ${JSON.stringify({ type: 'delta', content: piece })}\n\n`);
      res.write(`data: ${JSON.stringify({ type: 'done', model: 'stub-model', usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    res.json({
      success: true,
      data: {
        message: `echo: ${last.content} (${req.body.messages.length} messages)`,
        model: req.body.model ?? 'stub-model',
        usage: { inputTokens: 11, outputTokens: 22, totalTokens: 33, cost: 0.0001, responseTime: 5 },
      },
    });
  });
  const server = await listen(app, 0, '127.0.0.1');
  return { server, calls, setMode: (m: typeof mode) => (mode = m) };
}

describe('tenant app: the kindergarten API', function () {
  this.timeout(60_000);
  let stack: TenantStack;
  let bridge: Awaited<ReturnType<typeof startBridgeStub>>;
  let t: TestTenant;
  let admin: TestUser;
  let teacher: TestUser;
  let headers: Record<string, string>;
  const call = (method: string, path: string, body?: unknown, user: TestUser = admin) =>
    http(method, `${stack.url}${path}`, { headers, token: user.token, body });

  before(async () => {
    bridge = await startBridgeStub();
    stack = await startTenantStack('api', { AI_BRIDGE_URL: bridge.server.url, FILE_MAX_BYTES: '2048' });
    t = await stack.createTenant('k301');
    admin = await stack.addUser(t, 'admin');
    teacher = await stack.addUser(t, 'teacher');
    headers = tenantHeader(t.code);
  });
  after(async () => {
    await stack?.close();
    await bridge?.server.close(100);
  });

  describe('validation and REST conventions', () => {
    it('when a body is invalid, then 400 VALIDATION_ERROR names every offending field', async () => {
      const res = await call('POST', '/api/students', { name: '', gender: 'x', birthDate: '2021-13-45', idCardNo: '123' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'VALIDATION_ERROR');
      const fields = res.body.error.details.map((d: { field: string }) => d.field).sort();
      assert.deepEqual(fields, ['birthDate', 'gender', 'idCardNo', 'name']);
    });

    it('when a list is paged and filtered, then {items,total,page,pageSize} reflects the filter', async () => {
      const cls = (await call('POST', '/api/classes', { name: 'Sunflowers', grade: 'large', academicYear: '2025-2026' })).body.data;
      for (let i = 0; i < 5; i++) {
        const r = await call('POST', '/api/students', { name: `Kid ${i}`, gender: i % 2 ? 'male' : 'female', birthDate: '2020-04-0' + (i + 1), classId: cls.id });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        assert.equal(r.body.data.birthDate, `2020-04-0${i + 1}`);
      }
      const page = await call('GET', `/api/students?classId=${cls.id}&gender=female&page=2&pageSize=2`);
      assert.equal(page.status, 200);
      assert.equal(page.body.data.total, 3);
      assert.equal(page.body.data.page, 2);
      assert.equal(page.body.data.pageSize, 2);
      assert.equal(page.body.data.items.length, 1);
      const search = await call('GET', '/api/students?q=Kid%203');
      assert.deepEqual(search.body.data.items.map((s: { name: string }) => s.name), ['Kid 3']);
      const bad = await call('GET', '/api/students?pageSize=1000&classId=abc');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.details.map((d: { field: string }) => d.field).sort(), ['classId', 'pageSize']);
    });

    it('when a record is read, changed and deleted, then GET/PUT/DELETE behave and a missing id is 404', async () => {
      const created = await call('POST', '/api/todos', { title: 'Buy crayons', priority: 'high' });
      assert.equal(created.status, 201);
      const id = created.body.data.id;
      assert.equal(created.body.data.creatorId, (await call('GET', '/api/me')).body.data.userId);
      const changed = await call('PUT', `/api/todos/${id}`, { status: 'done' });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.data.status, 'done');
      assert.equal(changed.body.data.priority, 'high', 'PUT changes only the fields given');
      assert.equal((await call('DELETE', `/api/todos/${id}`)).status, 200);
      assert.equal((await call('GET', `/api/todos/${id}`)).status, 404);
      assert.equal((await call('GET', '/api/todos/abc')).status, 400);
    });

    it('when a unique value is reused or a referenced record is deleted, then 409', async () => {
      const p = phone();
      assert.equal((await call('POST', '/api/parents', { name: 'Mum', phone: p })).status, 201);
      const dup = await call('POST', '/api/parents', { name: 'Other', phone: p });
      assert.equal(dup.status, 409);
      const cls = (await call('POST', '/api/classes', { name: 'Busy', grade: 'small', academicYear: '2025-2026' })).body.data;
      await call('POST', '/api/students', { name: 'Kid', gender: 'male', birthDate: '2021-01-01', classId: cls.id });
      const del = await call('DELETE', `/api/classes/${cls.id}`);
      assert.equal(del.status, 409);
    });
  });

  describe('enrollment', () => {
    it('when an application is approved into a class, then the student, the admission result and a notification exist; a second review is 409', async () => {
      const cls = (await call('POST', '/api/classes', { name: 'Intake', grade: 'nursery', academicYear: '2026-2027' })).body.data;
      const plan = (await call('POST', '/api/enrollment/plans', { title: 'Autumn 2026', year: 2026, startDate: '2026-03-01', endDate: '2026-06-30' })).body.data;
      assert.equal(plan.status, 'draft');
      const badPlan = await call('POST', '/api/enrollment/plans', { title: 'Bad', year: 2026, startDate: '2026-06-01', endDate: '2026-03-01' });
      assert.equal(badPlan.status, 400);
      assert.equal(badPlan.body.error.details[0].field, 'endDate');
      const app = await call('POST', '/api/enrollment/applications', {
        planId: plan.id,
        childName: 'Xiaoming',
        childGender: 'male',
        childBirthDate: '2023-05-05',
        parentName: 'Li',
        parentPhone: '13800138000',
      });
      assert.equal(app.status, 201, JSON.stringify(app.body));
      assert.equal(app.body.data.status, 'pending');
      assert.ok(app.body.data.applicationNo);
      const review = await call('POST', `/api/enrollment/applications/${app.body.data.id}/review`, {
        decision: 'approve',
        classId: cls.id,
        comment: 'Welcome',
        confirmDeadline: '2026-07-01',
      });
      assert.equal(review.status, 200, JSON.stringify(review.body));
      assert.equal(review.body.data.application.status, 'approved');
      assert.equal(review.body.data.result.result, 'admitted');
      assert.equal(review.body.data.notification.recipient, '13800138000');
      assert.equal(review.body.data.notification.status, 'pending');
      const student = await call('GET', `/api/students/${review.body.data.student.id}`);
      assert.equal(student.body.data.name, 'Xiaoming');
      assert.equal(student.body.data.classId, cls.id);
      const again = await call('POST', `/api/enrollment/applications/${app.body.data.id}/review`, { decision: 'reject' });
      assert.equal(again.status, 409);
      const result = await call('GET', `/api/enrollment/applications/${app.body.data.id}/result`);
      assert.equal(result.body.data.notifications.length, 1);
      const edit = await call('PUT', `/api/enrollment/applications/${app.body.data.id}`, { childName: 'Changed' });
      assert.equal(edit.status, 409, 'a decided application cannot be edited');
      const sent = await call('PUT', `/api/enrollment/notifications/${review.body.data.notification.id}`, { status: 'sent' });
      assert.equal(sent.body.data.status, 'sent');
    });

    it('when an application is waitlisted, then it can still be approved later; a withdrawn one cannot', async () => {
      const plan = (await call('POST', '/api/enrollment/plans', { title: 'Spring', year: 2027, startDate: '2027-01-01', endDate: '2027-02-01' })).body.data;
      const mk = async (name: string) =>
        (await call('POST', '/api/enrollment/applications', { planId: plan.id, childName: name, childGender: 'female', childBirthDate: '2023-01-01', parentName: 'P', parentPhone: phone() })).body.data;
      const w = await mk('Wait');
      assert.equal((await call('POST', `/api/enrollment/applications/${w.id}/review`, { decision: 'waitlist' })).body.data.result.result, 'waitlisted');
      const later = await call('POST', `/api/enrollment/applications/${w.id}/review`, { decision: 'approve', notify: null });
      assert.equal(later.status, 200);
      assert.equal(later.body.data.result.result, 'admitted');
      assert.equal(later.body.data.notification, null);
      const g = await mk('Gone');
      assert.equal((await call('POST', `/api/enrollment/applications/${g.id}/withdraw`)).body.data.status, 'withdrawn');
      assert.equal((await call('POST', `/api/enrollment/applications/${g.id}/review`, { decision: 'approve' })).status, 409);
    });
  });

  describe('activities', () => {
    it('when an activity is full or not published, then registration is refused with 409', async () => {
      const draft = (await call('POST', '/api/activities', { title: 'Draft', startTime: '2026-09-01T01:00:00Z', endTime: '2026-09-01T03:00:00Z' })).body.data;
      const closed = await call('POST', `/api/activities/${draft.id}/registrations`, { parentName: 'A', parentPhone: phone() });
      assert.equal(closed.status, 409);
      assert.equal(closed.body.error.code, 'REGISTRATION_CLOSED');
      const act = (await call('POST', '/api/activities', {
        title: 'Open day',
        startTime: '2026-09-02T01:00:00+08:00',
        endTime: '2026-09-02T03:00:00+08:00',
        capacity: 3,
        status: 'published',
      })).body.data;
      assert.equal(act.startTime, '2026-09-01T17:00:00.000Z');
      const r1 = await call('POST', `/api/activities/${act.id}/registrations`, { parentName: 'A', parentPhone: phone(), participants: 2 });
      assert.equal(r1.status, 201);
      const full = await call('POST', `/api/activities/${act.id}/registrations`, { parentName: 'B', parentPhone: phone(), participants: 2 });
      assert.equal(full.status, 409);
      assert.equal(full.body.error.code, 'ACTIVITY_FULL');
      await call('PUT', `/api/activities/${act.id}/registrations/${r1.body.data.id}`, { status: 'cancelled' });
      const now = await call('POST', `/api/activities/${act.id}/registrations`, { parentName: 'B', parentPhone: phone(), participants: 3 });
      assert.equal(now.status, 201);
      const attended = await call('PUT', `/api/activities/${act.id}/registrations/${now.body.data.id}`, { status: 'attended' });
      assert.ok(attended.body.data.checkedInAt);
      const inverted = await call('POST', '/api/activities', { title: 'X', startTime: '2026-09-02T05:00:00Z', endTime: '2026-09-02T03:00:00Z' });
      assert.equal(inverted.status, 400);
    });
  });

  describe('files', () => {
    const upload = (body: Buffer, type: string, name = 'a.png') =>
      fetch(`${stack.url}/api/files?name=${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': type, ...headers },
        body,
      });

    it('when an allowed file is uploaded, then it is stored under the tenant prefix and downloads byte for byte', async () => {
      const res = await upload(PNG, 'image/png', 'photo.png');
      assert.equal(res.status, 201);
      const item = ((await res.json()) as { data: any }).data;
      assert.match(item.objectKey, /^uploads\/images\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.png$/);
      assert.equal(item.sizeBytes, PNG.length);
      const stored = await stack.ctx.storage.getObject(`${t.storagePrefix}${item.objectKey}`);
      assert.deepEqual(stored, PNG);
      const dl = await fetch(`${stack.url}/api/files/${item.id}/download`, { headers: { authorization: `Bearer ${admin.token}`, ...headers } });
      assert.equal(dl.status, 200);
      assert.deepEqual(Buffer.from(await dl.arrayBuffer()), PNG);
      assert.match(dl.headers.get('content-disposition') ?? '', /photo\.png/);
      const list = await call('GET', '/api/files?category=image');
      assert.ok(list.body.data.items.some((f: { id: number }) => f.id === item.id));
      assert.equal((await call('DELETE', `/api/files/${item.id}`)).status, 200);
      assert.equal(await stack.ctx.storage.getObject(`${t.storagePrefix}${item.objectKey}`), null);
      assert.equal((await call('GET', `/api/files/${item.id}`)).status, 404);
    });

    it('when a file is too large, of a refused type, or not what its type says, then 413, 415, 400', async () => {
      const big = await upload(Buffer.concat([PNG, Buffer.alloc(4096)]), 'image/png');
      assert.equal(big.status, 413);
      const exe = await upload(Buffer.from('MZ...'), 'application/x-msdownload', 'x.exe');
      assert.equal(exe.status, 415);
      assert.equal(((await exe.json()) as any).error.code, 'UNSUPPORTED_MEDIA_TYPE');
      const fake = await upload(Buffer.from('not a png'), 'image/png');
      assert.equal(fake.status, 400);
      const text = await upload(Buffer.from('hello'), 'text/plain', 'notes.txt');
      assert.equal(text.status, 201);
    });
  });

  describe('AI assistant', () => {
    it('when a question is asked, then the bridge gets the user token, tenant and history, and both messages are stored', async () => {
      const conv = (await call('POST', '/api/ai/conversations', { systemPrompt: 'You help kindergarten staff.' })).body.data;
      const first = await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'Plan an open day' });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.data.answer.content, 'echo: Plan an open day (2 messages)');
      assert.equal(first.body.data.usage.totalTokens, 33);
      const sent = bridge.calls[bridge.calls.length - 1]!;
      assert.equal(sent.headers.authorization, `Bearer ${admin.token}`);
      assert.equal(sent.headers['x-tenant-code'], t.code);
      assert.equal(sent.body.messages[0].role, 'system');
      const second = await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'And a poster?' });
      assert.equal(second.body.data.answer.content, 'echo: And a poster? (4 messages)');
      const messages = await call('GET', `/api/ai/conversations/${conv.id}/messages`);
      assert.deepEqual(messages.body.data.map((m: { role: string }) => m.role), ['user', 'assistant', 'user', 'assistant']);
      const after = await call('GET', `/api/ai/conversations/${conv.id}`);
      assert.equal(after.body.data.messageCount, 4);
      assert.equal(after.body.data.totalTokens, 66);
      assert.equal(after.body.data.title, 'Plan an open day');
    });

    it('when a message is retried with the same clientMessageId, then the bridge is called once and the retry gets the stored pair', async () => {
      const conv = (await call('POST', '/api/ai/conversations', {})).body.data;
      const before = bridge.calls.length;
      const first = await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'Menu for Monday', clientMessageId: 'c-1' });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.data.replayed, false);
      const sentId = bridge.calls[bridge.calls.length - 1]!.body.requestId;
      assert.match(sentId, /^msg-[0-9a-f]{40}$/);
      assert.equal(first.body.data.question.requestId, sentId);
      const retry = await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'Menu for Monday', clientMessageId: 'c-1' });
      assert.equal(retry.status, 200);
      assert.equal(retry.body.data.replayed, true);
      assert.deepEqual([retry.body.data.question.id, retry.body.data.answer.id], [first.body.data.question.id, first.body.data.answer.id]);
      assert.equal(retry.body.data.usage.totalTokens, 33);
      assert.equal(bridge.calls.length, before + 1, 'the retry did not reach the bridge');
      const other = await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'And Tuesday?' });
      assert.equal(other.status, 201);
      const otherId = bridge.calls[bridge.calls.length - 1]!.body.requestId;
      assert.ok(otherId && otherId !== sentId, 'each message has its own request id');
      assert.equal((await call('GET', `/api/ai/conversations/${conv.id}/messages`)).body.data.length, 4);
    });

    it('when a question is asked with streaming, then the pieces arrive as events in order, and both messages are stored at the end', async () => {
      const conv = (await call('POST', '/api/ai/conversations', {})).body.data;
      const res = await fetch(`${stack.url}/api/ai/conversations/${conv.id}/messages/stream`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content: 'Stream it' }),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const events = (await res.text()).split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')));
      assert.deepEqual(events.filter((e) => e.type === 'delta').map((e) => e.content), ['echo: ', 'Stream it']);
      const done = events[events.length - 1];
      assert.equal(done.type, 'done');
      assert.equal(done.answer.content, 'echo: Stream it');
      assert.equal(bridge.calls[bridge.calls.length - 1]!.body.stream, true);
      const stored = await call('GET', `/api/ai/conversations/${conv.id}/messages`);
      assert.deepEqual(stored.body.data.map((m: { content: string }) => m.content), ['Stream it', 'echo: Stream it']);
      bridge.setMode('quota');
      try {
        const refused = await call('POST', `/api/ai/conversations/${conv.id}/messages/stream`, { content: 'more' });
        assert.equal(refused.status, 402, 'a refusal before the stream is an ordinary answer');
      } finally {
        bridge.setMode('ok');
      }
    });

    it('when the bridge refuses (402, 429) or fails, then the user sees 402, 429 with Retry-After, 503, and nothing is stored', async () => {
      const conv = (await call('POST', '/api/ai/conversations', {})).body.data;
      try {
        bridge.setMode('quota');
        assert.equal((await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'q' })).status, 402);
        bridge.setMode('rate');
        const limited = await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'q' });
        assert.equal(limited.status, 429);
        assert.equal(limited.headers.get('retry-after'), '7');
        bridge.setMode('broken');
        const broken = await call('POST', `/api/ai/conversations/${conv.id}/messages`, { content: 'q' });
        assert.equal(broken.status, 503);
        assert.equal(broken.body.error.code, 'AI_UNAVAILABLE');
      } finally {
        bridge.setMode('ok');
      }
      assert.deepEqual((await call('GET', `/api/ai/conversations/${conv.id}/messages`)).body.data, []);
    });

    it("when another member of the tenant asks for someone's conversation, then it does not exist for them", async () => {
      const conv = (await call('POST', '/api/ai/conversations', { title: 'Private' })).body.data;
      assert.equal((await call('GET', `/api/ai/conversations/${conv.id}`, undefined, teacher)).status, 404);
      assert.equal((await call('GET', `/api/ai/conversations/${conv.id}/messages`, undefined, teacher)).status, 404);
      const theirs = await call('GET', '/api/ai/conversations', undefined, teacher);
      assert.equal(theirs.body.data.total, 0);
    });
  });
});
