import assert from 'node:assert/strict';
import { http } from '@kg/shared/testing';
import { tenantHeader } from './harness';

/** Ids of one record of every kind in a tenant, created through the API. */
export interface Fixture {
  classId: number;
  teacherId: number;
  studentId: number;
  parentId: number;
  planId: number;
  applicationId: number;
  reviewedApplicationId: number;
  resultId: number;
  admissionNotificationId: number;
  activityId: number;
  registrationId: number;
  notificationId: number;
  todoId: number;
  fileId: number;
  conversationId: number;
  /** A staff member (global user id) and a custom role of the tenant. */
  staffId: number;
  roleId: number;
}

/** A route of the tenant API with the permission it needs and a request that exercises it. */
export interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with :params filled from a fixture. */
  path: (f: Fixture) => string;
  permission: string | null;
  body?: (marker: string) => unknown;
  /** Raw upload (POST /api/files). */
  upload?: boolean;
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** Every tenant route (the OpenAPI test proves this list is the mounted set's business part). */
export const ROUTES: RouteCase[] = [
  { method: 'GET', path: () => '/api/me', permission: null },
  ...crud('/api/classes', 'classes', (f) => f.classId, (m) => ({ name: `C ${m}`, grade: 'small', academicYear: '2026-2027' })),
  { method: 'GET', path: (f) => `/api/classes/${f.classId}/teachers`, permission: 'teachers:read' },
  { method: 'POST', path: (f) => `/api/classes/${f.classId}/teachers`, permission: 'teachers:write', body: () => ({ teacherId: 1 }) },
  { method: 'DELETE', path: (f) => `/api/classes/${f.classId}/teachers/${f.teacherId}`, permission: 'teachers:delete' },
  ...crud('/api/teachers', 'teachers', (f) => f.teacherId, () => ({ name: 'T', phone: phone() })),
  ...crud('/api/students', 'students', (f) => f.studentId, (m) => ({ name: `S ${m}`, gender: 'male', birthDate: '2021-01-01' })),
  { method: 'GET', path: (f) => `/api/students/${f.studentId}/parents`, permission: 'students:read' },
  ...crud('/api/parents', 'parents', (f) => f.parentId, (m) => ({ name: `P ${m}`, phone: phone() })),
  { method: 'GET', path: (f) => `/api/parents/${f.parentId}/students`, permission: 'parents:read' },
  { method: 'POST', path: (f) => `/api/parents/${f.parentId}/students`, permission: 'parents:write', body: () => ({ studentId: 1, relationship: 'mother' }) },
  { method: 'DELETE', path: (f) => `/api/parents/${f.parentId}/students/${f.studentId}`, permission: 'parents:delete' },
  ...crud('/api/enrollment/plans', 'enrollment', (f) => f.planId, (m) => ({ title: `Plan ${m}`, year: 2026, startDate: '2026-03-01', endDate: '2026-06-30' })),
  ...crud('/api/enrollment/applications', 'enrollment', (f) => f.applicationId, (m) => ({
    planId: 1,
    childName: `K ${m}`,
    childGender: 'female',
    childBirthDate: '2022-02-02',
    parentName: 'Parent',
    parentPhone: phone(),
  })),
  { method: 'POST', path: (f) => `/api/enrollment/applications/${f.applicationId}/review`, permission: 'enrollment:write', body: () => ({ decision: 'reject' }) },
  { method: 'POST', path: (f) => `/api/enrollment/applications/${f.applicationId}/withdraw`, permission: 'enrollment:write' },
  { method: 'GET', path: (f) => `/api/enrollment/applications/${f.reviewedApplicationId}/result`, permission: 'enrollment:read' },
  { method: 'GET', path: () => '/api/enrollment/results', permission: 'enrollment:read' },
  { method: 'GET', path: (f) => `/api/enrollment/results/${f.resultId}`, permission: 'enrollment:read' },
  { method: 'GET', path: () => '/api/enrollment/notifications', permission: 'enrollment:read' },
  { method: 'GET', path: (f) => `/api/enrollment/notifications/${f.admissionNotificationId}`, permission: 'enrollment:read' },
  { method: 'PUT', path: (f) => `/api/enrollment/notifications/${f.admissionNotificationId}`, permission: 'enrollment:write', body: () => ({ status: 'sent' }) },
  ...crud('/api/activities', 'activities', (f) => f.activityId, (m) => ({
    title: `A ${m}`,
    startTime: '2026-05-01T09:00:00Z',
    endTime: '2026-05-01T11:00:00Z',
  })),
  { method: 'GET', path: (f) => `/api/activities/${f.activityId}/registrations`, permission: 'activities:read' },
  { method: 'POST', path: (f) => `/api/activities/${f.activityId}/registrations`, permission: 'activities:write', body: () => ({ parentName: 'X', parentPhone: phone() }) },
  { method: 'GET', path: (f) => `/api/activities/${f.activityId}/registrations/${f.registrationId}`, permission: 'activities:read' },
  { method: 'PUT', path: (f) => `/api/activities/${f.activityId}/registrations/${f.registrationId}`, permission: 'activities:write', body: () => ({ status: 'confirmed' }) },
  { method: 'DELETE', path: (f) => `/api/activities/${f.activityId}/registrations/${f.registrationId}`, permission: 'activities:delete' },
  ...crud('/api/notifications', 'notifications', (f) => f.notificationId, (m) => ({ title: `N ${m}`, content: 'Hello' })),
  ...crud('/api/todos', 'todos', (f) => f.todoId, (m) => ({ title: `Todo ${m}` })),
  { method: 'GET', path: () => '/api/files', permission: 'files:read' },
  { method: 'POST', path: () => '/api/files?name=pixel.png', permission: 'files:write', upload: true },
  { method: 'GET', path: (f) => `/api/files/${f.fileId}`, permission: 'files:read' },
  { method: 'PUT', path: (f) => `/api/files/${f.fileId}`, permission: 'files:write', body: (m) => ({ originalName: `${m}.png` }) },
  { method: 'GET', path: (f) => `/api/files/${f.fileId}/download`, permission: 'files:read' },
  { method: 'DELETE', path: (f) => `/api/files/${f.fileId}`, permission: 'files:delete' },
  ...crud('/api/ai/conversations', 'ai', (f) => f.conversationId, (m) => ({ title: `Chat ${m}` })),
  { method: 'GET', path: (f) => `/api/ai/conversations/${f.conversationId}/messages`, permission: 'ai:read' },
  { method: 'POST', path: (f) => `/api/ai/conversations/${f.conversationId}/messages`, permission: 'ai:write', body: () => ({ content: 'hi' }) },
  { method: 'POST', path: (f) => `/api/ai/conversations/${f.conversationId}/messages/stream`, permission: 'ai:write', body: () => ({ content: 'hi' }) },
  { method: 'GET', path: () => '/api/staff', permission: 'staff:read' },
  { method: 'POST', path: () => '/api/staff', permission: 'staff:write', body: (m) => ({ phone: phone(), realName: `Staff ${m}`, role: 'viewer' }) },
  { method: 'GET', path: (f) => `/api/staff/${f.staffId}`, permission: 'staff:read' },
  { method: 'PUT', path: (f) => `/api/staff/${f.staffId}`, permission: 'staff:write', body: (m) => ({ realName: `Staff ${m}` }) },
  { method: 'DELETE', path: (f) => `/api/staff/${f.staffId}`, permission: 'staff:delete' },
  { method: 'GET', path: () => '/api/roles', permission: 'staff:read' },
  { method: 'POST', path: () => '/api/roles', permission: 'staff:write', body: (m) => ({ code: roleCode(m), name: `Role ${m}`, permissions: ['classes:read'] }) },
  { method: 'PUT', path: (f) => `/api/roles/${f.roleId}`, permission: 'staff:write', body: (m) => ({ name: `Role ${m}` }) },
  { method: 'DELETE', path: (f) => `/api/roles/${f.roleId}`, permission: 'staff:delete' },
  { method: 'GET', path: () => '/api/billing/account', permission: 'system:read' },
  { method: 'GET', path: () => '/api/billing/transactions', permission: 'system:read' },
  { method: 'GET', path: () => '/api/billing/bills', permission: 'system:read' },
  { method: 'GET', path: () => '/api/billing/usage', permission: 'system:read' },
  { method: 'POST', path: () => '/api/billing/recharge', permission: 'system:write', body: () => ({ code: 'ABCDE-FGHJK-LMNPQ-RSTUV' }) },
];

/** A custom role code from a test marker. */
function roleCode(marker: string): string {
  return `r_${marker.toLowerCase().replace(/[^a-z0-9]/g, '_')}`.slice(0, 50);
}

function crud(base: string, resource: string, id: (f: Fixture) => number, body: (marker: string) => unknown): RouteCase[] {
  return [
    { method: 'GET', path: () => base, permission: `${resource}:read` },
    { method: 'POST', path: () => base, permission: `${resource}:write`, body },
    { method: 'GET', path: (f) => `${base}/${id(f)}`, permission: `${resource}:read` },
    { method: 'PUT', path: (f) => `${base}/${id(f)}`, permission: `${resource}:write`, body },
    { method: 'DELETE', path: (f) => `${base}/${id(f)}`, permission: `${resource}:delete` },
  ];
}

let phoneSeq = 0;
/** A unique valid mobile number. */
export function phone(): string {
  phoneSeq++;
  return `137${String((Date.now() % 100000) * 1000 + (phoneSeq % 1000)).padStart(8, '0').slice(-8)}`;
}

/** Sends a route's request. */
export async function send(
  url: string,
  route: RouteCase,
  f: Fixture,
  opts: { token: string; headers: Record<string, string>; marker?: string },
): Promise<{ status: number; body: any }> {
  const target = `${url}${route.path(f)}`;
  if (route.upload) {
    const res = await fetch(target, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'image/png', ...opts.headers },
      body: PNG,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  return http(route.method, target, {
    token: opts.token,
    headers: opts.headers,
    body: route.body ? route.body(opts.marker ?? 'x') : route.method === 'POST' || route.method === 'PUT' ? {} : undefined,
  });
}

/** Creates one record of every kind through the API as the tenant's admin; `marker` names them. */
export async function createFixture(url: string, code: string, token: string, marker: string): Promise<Fixture> {
  const headers = tenantHeader(code);
  const post = async (path: string, body: unknown, status = 201) => {
    const res = await http('POST', `${url}${path}`, { headers, token, body });
    assert.equal(res.status, status, `${path}: ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const cls = await post('/api/classes', { name: `Class ${marker}`, grade: 'middle', academicYear: '2025-2026' });
  const teacher = await post('/api/teachers', { name: `Teacher ${marker}`, phone: phone() });
  await post(`/api/classes/${cls.id}/teachers`, { teacherId: teacher.id, role: 'head' });
  const student = await post('/api/students', { name: `Student ${marker}`, gender: 'female', birthDate: '2021-09-01', classId: cls.id });
  const parent = await post('/api/parents', { name: `Parent ${marker}`, phone: phone() });
  await post(`/api/parents/${parent.id}/students`, { studentId: student.id, relationship: 'mother', isPrimary: true });
  const plan = await post('/api/enrollment/plans', { title: `Plan ${marker}`, year: 2026, startDate: '2026-03-01', endDate: '2026-06-30' });
  const application = await post('/api/enrollment/applications', {
    planId: plan.id,
    childName: `Applicant ${marker}`,
    childGender: 'male',
    childBirthDate: '2022-01-15',
    parentName: `Family ${marker}`,
    parentPhone: phone(),
  });
  const reviewed = await post('/api/enrollment/applications', {
    planId: plan.id,
    childName: `Admitted ${marker}`,
    childGender: 'female',
    childBirthDate: '2022-03-15',
    parentName: `Family ${marker}`,
    parentPhone: phone(),
  });
  const review = await post(`/api/enrollment/applications/${reviewed.id}/review`, { decision: 'approve', classId: cls.id }, 200);
  const activity = await post('/api/activities', {
    title: `Activity ${marker}`,
    startTime: '2026-06-01T09:00:00Z',
    endTime: '2026-06-01T11:00:00Z',
    capacity: 50,
    status: 'published',
  });
  const registration = await post(`/api/activities/${activity.id}/registrations`, { parentName: `Family ${marker}`, parentPhone: phone() });
  const notification = await post('/api/notifications', { title: `Notice ${marker}`, content: `For ${marker}` });
  const todo = await post('/api/todos', { title: `Todo ${marker}` });
  const upload = await fetch(`${url}/api/files?name=${encodeURIComponent(`${marker}.png`)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png', ...headers },
    body: PNG,
  });
  assert.equal(upload.status, 201, await upload.clone().text());
  const file = ((await upload.json()) as { data: { id: number } }).data;
  const conversation = await post('/api/ai/conversations', { title: `Chat ${marker}` });
  const staff = await post('/api/staff', { phone: phone(), realName: `Staff ${marker}`, role: 'viewer' });
  const role = await post('/api/roles', { code: roleCode(`fixture_${marker}`), name: `Role ${marker}`, permissions: ['classes:read'] });
  return {
    classId: cls.id,
    teacherId: teacher.id,
    studentId: student.id,
    parentId: parent.id,
    planId: plan.id,
    applicationId: application.id,
    reviewedApplicationId: reviewed.id,
    resultId: review.result.id,
    admissionNotificationId: review.notification.id,
    activityId: activity.id,
    registrationId: registration.id,
    notificationId: notification.id,
    todoId: todo.id,
    fileId: file.id,
    conversationId: conversation.id,
    staffId: staff.member.id,
    roleId: role.id,
  };
}

/** Everything a tenant's admin can list, for before/after comparisons. */
export async function snapshotTenant(url: string, code: string, token: string): Promise<Record<string, unknown>> {
  const headers = tenantHeader(code);
  const out: Record<string, unknown> = {};
  for (const path of [
    '/api/classes',
    '/api/teachers',
    '/api/students',
    '/api/parents',
    '/api/enrollment/plans',
    '/api/enrollment/applications',
    '/api/enrollment/results',
    '/api/enrollment/notifications',
    '/api/activities',
    '/api/notifications',
    '/api/todos',
    '/api/files',
    '/api/ai/conversations',
    '/api/staff',
    '/api/roles',
  ]) {
    const res = await http('GET', `${url}${path}?pageSize=100`, { headers, token });
    assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
    out[path] = res.body.data.items;
  }
  return out;
}
