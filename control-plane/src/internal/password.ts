import crypto from 'node:crypto';
import type { FieldError } from '@kg/shared';
import { passwordHasher } from './password-hasher';

/** Password policy (docs/auth.md, "Passwords"): 8 to 128 characters with letters and digits. */
export function passwordProblems(password: string, field = 'password'): FieldError[] {
  const problems: FieldError[] = [];
  if (password.length < 8) problems.push({ field, message: 'must be at least 8 characters' });
  if (password.length > 128) problems.push({ field, message: 'must be at most 128 characters' });
  if (!/[A-Za-z]/.test(password)) problems.push({ field, message: 'must contain a letter' });
  if (!/\d/.test(password)) problems.push({ field, message: 'must contain a digit' });
  return problems;
}

/**
 * bcrypt on the worker-thread pool, so hashing never stalls the event loop (see password-hasher.ts).
 * For operator set-up paths; request paths anyone can reach use password-hashing.ts (abuse limits).
 */
export function hashPassword(password: string, cost: number): Promise<string> {
  return passwordHasher.hash(password, cost);
}

/** A strong random password that satisfies the policy (letters, digits, symbols; 20 chars). */
export function generatePassword(length = 20): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789-_!@#%';
  for (;;) {
    const bytes = crypto.randomBytes(length);
    const pw = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
    if (passwordProblems(pw).length === 0) return pw;
  }
}
