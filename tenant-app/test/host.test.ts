import assert from 'node:assert/strict';
import { tenantFromHost } from '../src/http/middleware/tenant';

describe('tenant app: tenant code from the Host header', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['k001.kg.test', 'k001'],
    ['K001.KG.Test:3000', 'k001'],
    ['k001.kg.test.', 'k001'],
    ['k001.kg.test.:443', 'k001'],
    ['kg.test', undefined],
    ['.kg.test', undefined],
    ['k001kg.test', undefined],
    ['k001.other.test', undefined],
    ['a.k001.kg.test', undefined],
    ['admin.kg.test', undefined],
    ['k001.kg.test:abc', undefined],
    ['127.0.0.1:3000', undefined],
    ['[::1]:3000', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [host, expected] of cases) {
    it(`when Host is ${JSON.stringify(host)}, then the tenant is ${expected ?? 'none'}`, () => {
      assert.equal(tenantFromHost(host, 'kg.test'), expected);
    });
  }
});
