import assert from 'node:assert/strict';
import { tenantDatabaseName } from '../src/identifiers';

describe('tenantDatabaseName(): the one derivation of a tenant database name', () => {
  it('when given a tenant code and the prefix, then the name is the prefix plus the code digits', () => {
    assert.equal(tenantDatabaseName('k001', 'rent'), 'rent001');
    assert.equal(tenantDatabaseName('k1234', 'rent'), 'rent1234');
    assert.equal(tenantDatabaseName('k007', 'staging_t'), 'staging_t007');
  });

  it('when the code is not a tenant code, then it throws instead of naming a database', () => {
    for (const bad of ['001', 'k01', 'K001', 'k001; DROP DATABASE x', 'k00a', '']) {
      assert.throws(() => tenantDatabaseName(bad, 'rent'), /Invalid tenant code/, bad);
    }
  });

  it('when the prefix would make an unsafe identifier, then it throws', () => {
    for (const bad of ['1rent', 'rent-', 'rent`', '']) {
      assert.throws(() => tenantDatabaseName('k001', bad), /Unsafe database name/, bad);
    }
  });
});
