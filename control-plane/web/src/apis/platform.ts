import { api } from '../session';
import type { Page } from './types';

export interface StatsOverview {
  tenantsByStatus: Record<string, number>;
  totalTenants: number;
  provisioningInFlight: Array<{ tenantCode: string; name: string; currentStep: number; totalSteps: number; startedAt: string | null; stuck: boolean }>;
  recentFailures: Array<{ tenantCode: string; name: string; error: string | null; failedAt: string }>;
  cleanupDueSoon: { count: number; items: Array<{ id: number; tenantCode: string; resourceType: string; scheduledDeletionAt: string; daysLeft: number }> };
  aiUsage: Array<{ date: string; calls: number; cost: number }>;
}

export interface CleanupEntry {
  id: number;
  tenantCode: string;
  tenantName: string | null;
  resourceType: string;
  resourceName: string | null;
  status: string;
  scheduledDeletionAt: string;
  daysLeft: number;
  retryCount: number;
  error: string | null;
}

export interface DbServer {
  id: number;
  name: string;
  host: string;
  port: number;
  username: string;
  capacity: number;
  status: string;
  tenantCount: number;
  freeCapacity: number;
}

export interface AiModel {
  id: number;
  name: string;
  displayName: string;
  provider: string;
  endpointUrl: string;
  modelType: string;
  inputPricePer1k: number;
  outputPricePer1k: number;
  isDefault: boolean;
  status: string;
  hasApiKey: boolean;
}

export interface AuditLog {
  id: number;
  actorType: string;
  actorName: string | null;
  action: string;
  tenantCode: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  before: unknown;
  after: unknown;
  createdAt: string;
}

export interface Rollout {
  id: number;
  status: string;
  phase: string;
  targetVersion: number | null;
  totalTenants: number;
  requestedBy: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface RolloutDetail extends Rollout {
  progress: { pending: number; running: number; completed: number; failed: number; skipped: number; percent: number };
  tenants: Array<{ tenantCode: string; batch: string; status: string; fromVersion: number | null; toVersion: number | null; error: string | null; durationMs: number | null }>;
}

export interface DriftReport {
  templateDatabase: string;
  templateVersion: number;
  checkedAt: string;
  driftedCount: number;
  tenants: Array<{
    tenantCode: string;
    databaseName: string;
    recordedVersion: number | null;
    appliedVersion: number | null;
    inSync: boolean;
    missingTables: string[];
    extraTables: string[];
    missingColumns: Array<{ table: string; column: string }>;
    extraColumns: Array<{ table: string; column: string }>;
    changedColumns: Array<{ table: string; column: string }>;
    error?: string;
  }>;
}

export interface AdminUser {
  id: number;
  username: string;
  email: string | null;
  role: string;
  status: string;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface GlobalUser {
  id: number;
  phone: string;
  realName: string;
  email: string | null;
  status: string;
  lockedUntil: string | null;
  mustChangePassword: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  tenants: Array<{ tenantCode: string; role: string; status: string }>;
}

export interface InboxEntry {
  phone: string;
  purpose: string;
  code: string;
  sentAt: string;
  expiresAt: string;
}

export const statsApi = { overview: () => api.get<StatsOverview>('/api/stats/overview') };

export const cleanupApi = {
  list: (page: number, pageSize: number) => api.get<Page<CleanupEntry>>('/api/cleanup', { page, pageSize }),
  cancel: (id: number) => api.delete(`/api/cleanup/${id}`),
};

export const dbServersApi = {
  list: () => api.get<{ items: DbServer[] }>('/api/db-servers'),
  update: (id: number, body: { capacity?: number; status?: string }) => api.patch<DbServer>(`/api/db-servers/${id}`, body),
};

export const aiModelsApi = {
  list: () => api.get<{ items: AiModel[] }>('/api/ai/models'),
  create: (body: Record<string, unknown>) => api.post<AiModel>('/api/ai/models', body),
  update: (id: number, body: Record<string, unknown>) => api.patch<AiModel>(`/api/ai/models/${id}`, body),
};

export const schemaApi = {
  rollouts: () => api.get<Rollout[]>('/api/schema/rollouts'),
  rollout: (id: number) => api.get<RolloutDetail>(`/api/schema/rollouts/${id}`),
  start: (canarySize: number) => api.post<{ rolloutId: number }>('/api/schema/rollouts', { canarySize }),
  drift: () => api.get<DriftReport>('/api/schema/drift'),
};

export const auditApi = {
  list: (q: { page: number; pageSize: number; tenantCode?: string; action?: string; actor?: string }) =>
    api.get<Page<AuditLog>>('/api/audit-logs', { ...q }),
  verify: () => api.get<{ ok: boolean; checked: number; firstBadId?: number; reason?: string }>('/api/audit-logs/verify'),
};

export const adminsApi = {
  list: () => api.get<{ items: AdminUser[] }>('/api/admin/users'),
  create: (body: { username: string; password: string; role: string; email?: string }) => api.post<AdminUser>('/api/admin/users', body),
  update: (id: number, body: { role?: string; status?: string }) => api.patch<AdminUser>(`/api/admin/users/${id}`, body),
};

export const usersApi = {
  list: (q: { page: number; pageSize: number; q?: string }) => api.get<Page<GlobalUser>>('/api/users', { ...q }),
  action: (id: number, action: 'lock' | 'unlock' | 'disable') => api.post<GlobalUser>(`/api/users/${id}/${action}`),
  resetPassword: (id: number) => api.post<{ oneTimePassword: string; mustChangePassword: true }>(`/api/users/${id}/reset-password`),
};

export const smsApi = {
  sendCode: (phone: string) => api.post<{ expiresInSeconds: number; resendAfterSeconds: number }>('/api/sms/send-code', { phone, purpose: 'tenant_create' }),
  inbox: (phone: string) => api.get<{ items: InboxEntry[] }>('/api/sms/dev-inbox', { phone }),
};
