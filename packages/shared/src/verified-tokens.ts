/**
 * Access tokens whose signature, issuer and audience were verified, remembered until they expire
 * so that a repeat request costs no RSA check (about 0.1 ms here) and no JSON parsing of the token
 * (docs/request-path.md, Token verification). Keyed by the end of the signature: a token arrives as
 * a new string with every request, and hashing all ~700 characters for the lookup cost about 1 us.
 * The entry keeps the whole token, which must match exactly, so a token that reuses a verified
 * signature under other claims is still refused. Bounded: a flood of distinct valid tokens only
 * evicts older entries. Expiry and revocation stay with the caller, checked on every request.
 */
export class VerifiedTokens<C, K = undefined> {
  private readonly entries = new Map<string, { token: string; claims: C; key: K }>();

  constructor(private readonly maxSize = 10_000) {}

  /** The claims of `token` and the key that verified it, when it was verified before. */
  get(token: string): { claims: C; key: K } | undefined {
    const entry = this.entries.get(verifiedKey(token));
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  remember(token: string, claims: C, key: K): void {
    if (this.entries.size >= this.maxSize) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(verifiedKey(token), { token, claims, key });
  }

  forget(token: string): void {
    if (this.get(token)) this.entries.delete(verifiedKey(token));
  }
}

/** The last 32 characters of a token (192 bits of its signature) as its cache key. */
function verifiedKey(token: string): string {
  return token.slice(-32);
}
