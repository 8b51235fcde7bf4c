import { api } from '../session';
import type { Page, PlanType, TenantStatus } from './types';

export interface TenantSummary {
  tenantCode: string;
  name: string;
  domain: string;
  status: TenantStatus;
  planType: PlanType;
  contactName: string | null;
  contactPhone: string | null;
  databaseName: string;
  dbServerId: number | null;
  scheduledDeletionAt: string | null;
  createdAt: string;
}

export interface TenantDetail extends TenantSummary {
  id: number;
  maxUsers: number;
  maxStorageMb: number;
  contactEmail: string | null;
  address: string | null;
  description: string | null;
  server: { id: number; name: string; host: string; port: number; status: string } | null;
  storagePrefix: string | null;
  dnsRecordId: string | null;
  schemaVersion: number | null;
  provisioningError: string | null;
  deletedAt: string | null;
  purgedAt: string | null;
  updatedAt: string;
  account: { balance: number; creditLimit: number; paymentStatus: string; billingCycle: string } | null;
  userCount: number;
}

export interface TenantUser {
  globalUserId: number;
  phone: string;
  realName: string;
  email: string | null;
  userStatus: string;
  role: string;
  status: string;
  lastLoginAt: string | null;
  boundAt: string;
}

export interface TenantListQuery {
  page: number;
  pageSize: number;
  q?: string;
  status?: string;
  sort?: string;
  order?: 'asc' | 'desc';
}

export interface TenantEdit {
  name?: string;
  contactName?: string;
  contactEmail?: string;
  contactPhone?: string;
  address?: string | null;
  description?: string | null;
  planType?: PlanType;
}

export interface CreateTenantInput {
  tenantCode?: string;
  name: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string;
  smsVerificationCode: string;
  address?: string;
  planType: PlanType;
  dbServerId?: number;
}

export interface Deletion {
  tenantCode: string;
  scheduledDeletionAt: string;
  graceDays: number;
}

const enc = encodeURIComponent;

export const tenantsApi = {
  list: (q: TenantListQuery) => api.get<Page<TenantSummary>>('/api/tenants', { ...q }),
  get: (code: string) => api.get<TenantDetail>(`/api/tenants/${enc(code)}`),
  update: (code: string, body: TenantEdit) => api.patch<TenantDetail>(`/api/tenants/${enc(code)}`, body),
  create: (body: CreateTenantInput) => api.post<{ tenantCode: string; jobId: string }>('/api/tenant/create', body),
  suspend: (code: string) => api.post(`/api/tenants/${enc(code)}/suspend`),
  activate: (code: string) => api.post(`/api/tenants/${enc(code)}/activate`),
  remove: (code: string) => api.delete<Deletion>(`/api/tenant/${enc(code)}`),
  restore: (code: string) => api.post(`/api/tenants/${enc(code)}/restore`),
  retry: (code: string) => api.post(`/api/tenants/${enc(code)}/retry`),
  users: (code: string, page = 1, pageSize = 50) => api.get<Page<TenantUser>>(`/api/tenants/${enc(code)}/users`, { page, pageSize }),
  bindUser: (code: string, phone: string, role: string) => api.post(`/api/tenants/${enc(code)}/users`, { phone, role }),
  unbindUser: (code: string, globalUserId: number) => api.delete(`/api/tenants/${enc(code)}/users/${globalUserId}`),
};
