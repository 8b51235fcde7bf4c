import assert from 'node:assert/strict';
import { grantKey, parseGrantLine, serviceAccountPlan } from '../src/service-accounts';

describe('service account grants (docs/privileges.md, Service accounts)', () => {
  it('when SHOW GRANTS lines are parsed, then privileges, object and grant option are read and role lines are skipped', () => {
    assert.deepEqual(parseGrantLine("GRANT USAGE ON *.* TO `kg_control`@`%` IDENTIFIED BY PASSWORD '*ABC'"), {
      privileges: ['USAGE'],
      on: '*.*',
      grantOption: false,
    });
    assert.deepEqual(parseGrantLine('GRANT SELECT, INSERT, UPDATE ON `rent%`.* TO `kg_provisioner`@`%` WITH GRANT OPTION'), {
      privileges: ['SELECT', 'INSERT', 'UPDATE'],
      on: '`rent%`.*',
      grantOption: true,
    });
    // A column list stays with its privilege, so it can be revoked as it was granted.
    assert.deepEqual(parseGrantLine('GRANT SELECT (`a`, `b`), INSERT ON `cp`.`t` TO `u`@`%`')?.privileges, ['SELECT (`a`, `b`)', 'INSERT']);
    assert.equal(parseGrantLine('GRANT `kgr_rent001` TO `kg_tenant_conn`@`%`'), null);
  });

  it('when a grant is keyed, then the order of its privileges does not matter and the grant option does', () => {
    const a = grantKey({ privileges: ['INSERT', 'SELECT'], on: '`cp`.`t`', grantOption: false });
    assert.equal(a, grantKey({ privileges: ['SELECT', 'INSERT'], on: '`cp`.`t`', grantOption: false }));
    assert.notEqual(a, grantKey({ privileges: ['SELECT', 'INSERT'], on: '`cp`.`t`', grantOption: true }));
  });

  it('when the plan is made, then only configured accounts appear, audit_logs is append-only for the control plane and `_` in the prefix is escaped', () => {
    const plans = serviceAccountPlan({
      controlDb: 'cp',
      templateDb: 'tpl',
      tenantDbPrefix: 'my_rent',
      controlTables: ['audit_logs', 'tenants', 'brand_new'],
      host: '%',
      users: { control: 'kg_control', provisioner: 'kg_provisioner' },
    });
    assert.deepEqual(plans.map((p) => p.service), ['control', 'provisioner']);
    const control = plans[0]!.grants.map(grantKey);
    assert.ok(control.includes('`cp`.`audit_logs` INSERT,SELECT'));
    assert.ok(control.includes('`cp`.`brand_new` DELETE,INSERT,SELECT,UPDATE'), 'an unlisted table: the owner writes it');
    assert.ok(control.includes('`my\\_rent%`.* DELETE,INSERT,SELECT,UPDATE'));
    const provisioner = plans[1]!.grants.map(grantKey);
    assert.ok(!provisioner.some((k) => k.startsWith('`cp`.`brand_new`')), 'an unlisted table: the provisioner only reads it (database-wide SELECT)');
    assert.ok(!provisioner.some((k) => k.startsWith('`cp`.`audit_logs`')));
    assert.throws(() => serviceAccountPlan({ controlDb: 'cp`; DROP', templateDb: 'tpl', tenantDbPrefix: 'r', controlTables: [], host: '%', users: { control: 'c' } }));
  });
});
