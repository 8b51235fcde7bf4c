import type { Response } from 'express';

/** Success envelope `{ success: true, data }` (docs/control-plane.md, "Answers and errors"). */
export function ok<T>(res: Response, data: T, status = 200): void {
  if (status !== 200) res.status(status); // a response starts as 200
  res.json({ success: true, data });
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
