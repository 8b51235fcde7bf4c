/**
 * Cost of a call from the model's prices per 1,000 tokens, in millionths (integers, so no float
 * ever reaches the ledger; docs/ai-billing.md, "How charging stays exact"). Prices come from
 * DECIMAL(12,6) columns and are whole millionths.
 */
export function costMicros(inputTokens: number, outputTokens: number, inputPricePer1k: number, outputPricePer1k: number): number {
  const inMicro = Math.round(inputPricePer1k * 1_000_000);
  const outMicro = Math.round(outputPricePer1k * 1_000_000);
  return Math.round((inputTokens * inMicro + outputTokens * outMicro) / 1000);
}

/** Millionths as a decimal string with six places ("-0.001234"), for DECIMAL columns. */
export function microsToDecimal(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(micros));
  const whole = Math.floor(abs / 1_000_000);
  const frac = String(abs % 1_000_000).padStart(6, '0');
  return `${sign}${whole}.${frac}`;
}

/** A DECIMAL string with at most six places as millionths. */
export function decimalToMicros(value: string | number): number {
  const s = typeof value === 'number' ? value.toFixed(6) : value.trim();
  const m = /^(-?)(\d+)(?:\.(\d{0,6})\d*)?$/.exec(s);
  if (!m) throw new Error(`not a decimal: ${s}`);
  const micros = Number(m[2]) * 1_000_000 + Number((m[3] ?? '').padEnd(6, '0'));
  return m[1] === '-' ? -micros : micros;
}
