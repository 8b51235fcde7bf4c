/** "12 s": an idle time as it appears in reconciliation reasons. */
export const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
