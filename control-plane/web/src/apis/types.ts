/** A page of a list endpoint: `{ items, total, page, pageSize }`. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export const TENANT_STATUSES = ['provisioning', 'active', 'inactive', 'suspended', 'failed', 'deleted', 'purged'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];
export const PLAN_TYPES = ['basic', 'standard', 'premium', 'enterprise'] as const;
export type PlanType = (typeof PLAN_TYPES)[number];
