import type { Query } from '@kg/web-ui';
import { api } from '../session';
import type { Page } from './index';

/** A staff member (GET /api/staff); `id` is the global user id. */
export interface StaffMember {
  id: number;
  tenantUserId: number | null;
  phone: string;
  realName: string;
  role: string;
  status: 'active' | 'disabled';
  lastLoginAt: string | null;
  joinedAt: string;
  inSync: boolean;
}

export interface Role {
  id: number;
  code: string;
  name: string;
  description: string | null;
  isSystem: boolean;
  permissions: string[];
  memberCount: number;
}

export interface Permission {
  code: string;
  resource: string;
  action: string;
  name: string;
}

/** Staff and roles of the kindergarten (docs/staff-app.md, Staff management). */
export const staffApi = {
  list: (query: Query) => api.get<Page<StaffMember>>('/api/staff', query),
  add: (body: { phone: string; realName?: string; role: string }) => api.post<{ member: StaffMember; oneTimePassword?: string }>('/api/staff', body),
  update: (id: number, body: { role?: string; status?: 'active' | 'disabled' }) => api.put<StaffMember>(`/api/staff/${id}`, body),
  remove: (id: number) => api.delete<unknown>(`/api/staff/${id}`),
  roles: () => api.get<Page<Role> & { permissions: Permission[] }>('/api/roles'),
  createRole: (body: { code: string; name: string; description?: string; permissions: string[] }) => api.post<Role>('/api/roles', body),
  updateRole: (id: number, body: { name?: string; description?: string; permissions?: string[] }) => api.put<Role>(`/api/roles/${id}`, body),
  removeRole: (id: number) => api.delete<unknown>(`/api/roles/${id}`),
};
