import { z } from '../../http/openapi';

/**
 * A money amount in a request: a finite JSON number with at most two decimals. The check goes
 * through the number's shortest decimal form, because `v * 100` is not exact in binary
 * (0.29 * 100 = 28.999999999999996) and would refuse valid amounts.
 */
export const twoDecimals = (v: number) => Number.isFinite(v) && Number(v.toFixed(2)) === v;
export const money = () => z.number().refine(twoDecimals, 'at most two decimals');
