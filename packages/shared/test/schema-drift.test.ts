import assert from 'node:assert/strict';
import { diffSchemas, type SchemaShape } from '../src/schema-drift';
import { daysLeft } from '../src/tenant-lifecycle';

const shape = (tables: Record<string, Record<string, string>>): SchemaShape =>
  new Map(Object.entries(tables).map(([t, cols]) => [t, new Map(Object.entries(cols))]));

describe('schema drift diff (unit)', () => {
  const template = shape({
    classes: { id: 'int(10) unsigned NOT NULL', name: 'varchar(100) NOT NULL', grade: 'varchar(20) NULL' },
    students: { id: 'int(10) unsigned NOT NULL', name: 'varchar(100) NOT NULL' },
  });

  it('when a tenant matches the template, then nothing is reported', () => {
    assert.deepEqual(diffSchemas(template, template), {
      missingTables: [],
      extraTables: [],
      missingColumns: [],
      extraColumns: [],
      changedColumns: [],
    });
  });

  it('when a tenant lacks a column, has an extra table and a changed type, then each is named', () => {
    const tenant = shape({
      classes: { id: 'int(10) unsigned NOT NULL', name: 'varchar(200) NOT NULL', room: 'varchar(20) NULL' },
      students: { id: 'int(10) unsigned NOT NULL', name: 'varchar(100) NOT NULL' },
      scratch: { id: 'int(11) NOT NULL' },
    });
    const diff = diffSchemas(template, tenant);
    assert.deepEqual(diff.missingColumns, [{ table: 'classes', column: 'grade' }]);
    assert.deepEqual(diff.extraColumns, [{ table: 'classes', column: 'room' }]);
    assert.deepEqual(diff.changedColumns, [
      { table: 'classes', column: 'name', expected: 'varchar(100) NOT NULL', actual: 'varchar(200) NOT NULL' },
    ]);
    assert.deepEqual(diff.extraTables, ['scratch']);
    assert.deepEqual(diffSchemas(template, shape({ classes: {} })).missingTables, ['students']);
  });

  it('when counting days left to a purge, then partial days round up and overdue is 0', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    assert.equal(daysLeft(new Date('2026-01-31T00:00:00Z'), now), 30);
    assert.equal(daysLeft(new Date('2026-01-01T01:00:00Z'), now), 1);
    assert.equal(daysLeft(new Date('2025-12-31T00:00:00Z'), now), 0);
  });
});
