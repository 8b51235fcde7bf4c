import type { Response } from 'express';

/** Success envelope of SPEC §9. */
export function ok<T>(res: Response, data: T, status = 200): void {
  res.status(status).json({ success: true, data });
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
