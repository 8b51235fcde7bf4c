/**
 * Object keys are the only path-like input that reaches storage, so they are checked in one
 * place: a key is relative, '/'-separated, and never climbs out of its prefix.
 */
const MAX_KEY_LENGTH = 1023;

/** Why `key` is unsafe, or null when it is a valid object key. */
export function objectKeyProblem(key: string): string | null {
  if (typeof key !== 'string' || key.length === 0) return 'key is empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_LENGTH) return 'key is longer than 1023 bytes';
  if (key.startsWith('/')) return 'key must not be an absolute path';
  if (key.includes('\\')) return 'key must not contain a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'key must not contain control characters';
  const segments = key.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s === '..' || s === '.') return 'key must not contain "." or ".." segments';
    if (s === '' && i !== segments.length - 1) return 'key must not contain empty segments';
  }
  return null;
}

/** True when `key` is a valid object key. */
export function isSafeObjectKey(key: string): boolean {
  return objectKeyProblem(key) === null;
}

/**
 * True when `key` is a valid key inside `prefix`. Prefixes end with '/', so "13800138000/"
 * never matches "138001380001/x".
 */
export function keyWithinPrefix(key: string, prefix: string): boolean {
  return prefix.length > 0 && isSafeObjectKey(key) && key.startsWith(prefix);
}
