import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { JwksVerifier } from '../src/jwks';
import { AppError } from '../src/errors';

describe('JwksVerifier when the control plane was unreachable at start-up', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const token = jwt.sign({ typ: 'user', sub: 'u1', jti: 'j1' }, privateKey, {
    algorithm: 'RS256', keyid: 'k1', issuer: 'kg-test', audience: 'kg-users', expiresIn: 60,
  });

  it('when no key set was ever loaded, then a token is answered 503 (try again), not 401 (signed out), until the keys arrive', async () => {
    let up = false;
    const fetchImpl = (async () =>
      up ? new Response(JSON.stringify({ keys: [jwk] }), { status: 200, headers: { 'content-type': 'application/json' } }) : new Response('down', { status: 503 })) as unknown as typeof fetch;
    const v = new JwksVerifier({ jwksUrl: 'http://cp.invalid/.well-known/jwks.json', issuer: 'kg-test', audience: 'kg-users', minRefetchIntervalMs: 60_000, fetchImpl });
    await assert.rejects(v.refresh()); // the warm-up at start-up fails
    for (let i = 0; i < 2; i++) {
      // First call: the refetch fails; second call: inside the refetch interval, nothing is fetched.
      const err = await v.verifyUser(token).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof AppError, String(err));
      assert.equal(err.status, 503, `${err.code}: ${err.message}`);
    }
    up = true;
    await v.refresh();
    assert.equal((await v.verifyUser(token)).sub, 'u1');
  });
});
