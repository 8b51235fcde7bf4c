/**
 * Exact decimal money in integer millionths (docs/ai-billing.md, "How charging stays exact"):
 * no float reaches a bill.
 */
export function toMicros(decimal: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{0,6})\d*)?$/.exec(decimal.trim());
  if (!m) throw new Error(`not a decimal: ${decimal}`);
  const micros = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'));
  return m[1] ? -micros : micros;
}

/** Rounds non-negative millionths half up to `places` decimals and writes them as a string. */
export function microsToDecimal(micros: bigint, places: number): string {
  const unit = 10n ** BigInt(6 - places);
  const rounded = (micros + unit / 2n) / unit;
  const scale = 10n ** BigInt(places);
  const whole = rounded / scale;
  return places === 0 ? String(whole) : `${whole}.${String(rounded % scale).padStart(places, '0')}`;
}

/** Overage: tokens beyond the quota at the plan's price per 1000 tokens, in millionths (half up). */
export function overageMicros(overageTokens: number, pricePer1k: string): bigint {
  return (BigInt(overageTokens) * toMicros(pricePer1k) + 500n) / 1000n;
}
