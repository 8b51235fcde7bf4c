/** A timestamp from the API shown in the viewer's locale; '—' for null. */
export function formatDateTime(value: string | null | undefined, locale: string): string {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString(locale, { hour12: false });
}
