import { api } from '../session';

export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped';

export interface ProgressStep {
  name: string;
  order: number;
  status: StepStatus;
  attempts: number;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface TenantProgress {
  tenantCode: string;
  status: string;
  currentStep: number;
  totalSteps: number;
  steps: ProgressStep[];
  error: string | null;
  adminCredentials?: { phone: string; oneTimePassword: string; mustChangePassword: true };
}

const enc = encodeURIComponent;

export const lifecycleApi = {
  progress: (code: string) => api.get<TenantProgress>(`/api/tenants/${enc(code)}/progress`),
  /** A short-lived, single-use ticket for the EventSource URL (no token in a URL). */
  streamTicket: (code: string) => api.post<{ ticket: string; expiresInSeconds: number }>(`/api/tenants/${enc(code)}/progress/stream-ticket`),
  streamUrl: (code: string, ticket: string) => `/api/tenants/${enc(code)}/progress/stream?ticket=${enc(ticket)}`,
};
