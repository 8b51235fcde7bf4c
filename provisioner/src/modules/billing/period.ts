/**
 * Billing periods in UTC, like the control database's clock (connections run in UTC):
 * a day is `YYYY-MM-DD`, a month `YYYY-MM` (docs/ai-billing.md, "Usage roll-up and monthly bills").
 */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  return m !== null && new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)).toISOString().slice(0, 10) === s;
}

export function isMonth(s: string): boolean {
  const m = MONTH.exec(s);
  return m !== null && +m[2]! >= 1 && +m[2]! <= 12;
}

/** [start, end) of a UTC day. */
export function dayRange(day: string): { from: Date; to: Date } {
  const from = new Date(`${day}T00:00:00.000Z`);
  return { from, to: new Date(from.getTime() + 86_400_000) };
}

/** First day, last day and every day of a UTC month, as `YYYY-MM-DD`. */
export function monthDays(month: string): { first: string; last: string; days: string[] } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const days = Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
  return { first: days[0]!, last: days[count - 1]!, days };
}

/** The UTC day before `now` (what the daily roll-up summarises). */
export function previousDay(now = new Date()): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

/** The UTC month before `now` (what the monthly run bills). */
export function previousMonth(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
}
