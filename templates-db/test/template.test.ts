import assert from 'node:assert/strict';
import { connect, type RowDataPacket } from '@kg/shared';
import { dropDatabases, testMysqlTarget, uniqueId } from '@kg/shared/testing';
import { buildTemplate, cloneTemplate, latestTemplateVersion, listTables } from '../src';
import { schemaSnapshot, type SchemaSnapshot } from './helpers/schema-snapshot';

/** The nine groups of tables every tenant database has (templates-db/README.md, Migrations). */
const SEED_TABLES = {
  users: ['users', 'roles', 'permissions', 'user_roles', 'role_permissions', 'user_profiles', 'token_blacklist'],
  families: ['students', 'parents', 'parent_student_relations', 'classes'],
  teachers: ['teachers', 'class_teachers'],
  enrollment: [
    'enrollment_plans', 'enrollment_applications', 'enrollment_quotas', 'enrollment_consultations',
    'enrollment_consultation_followups', 'enrollment_tasks', 'admission_results', 'admission_notifications',
    'enrollment_interviews', 'channel_tracking',
  ],
  activities: [
    'activities', 'activity_templates', 'activity_registrations', 'activity_evaluations', 'activity_plans',
    'activity_arrangements', 'activity_resources', 'activity_staff', 'activity_shares', 'activity_posters',
  ],
  marketing: [
    'marketing_campaigns', 'advertisements', 'channels', 'conversion_tracking', 'coupons', 'referral_codes',
    'referral_relationships', 'referral_rewards',
  ],
  content: ['poster_templates', 'poster_elements', 'poster_generations', 'poster_categories', 'personal_posters', 'message_templates'],
  ai: [
    'ai_model_config', 'ai_model_usage', 'ai_model_billing', 'ai_conversations', 'ai_messages', 'ai_memories', 'ai_feedback',
    'ai_user_permissions', 'ai_user_relations', 'ai_query_logs', 'ai_query_cache', 'ai_query_templates',
  ],
  system: [
    'system_config', 'system_logs', 'operation_logs', 'notifications', 'schedules', 'todos', 'file_storage', 'kindergartens',
    'page_guides', 'scripts',
  ],
};
const ALL_TABLES = Object.values(SEED_TABLES).flat();

/** *_id columns that deliberately have no foreign key: ids of other systems or of anything. */
const NOT_FOREIGN_KEYS = new Set([
  'users.global_user_id', // control plane's global_users
  'ai_model_config.global_model_id', // control plane's ai_model_config
  'ai_messages.request_id', 'ai_model_usage.request_id', 'system_logs.request_id', 'operation_logs.request_id',
  'operation_logs.resource_id', 'todos.related_id', 'file_storage.related_id', // polymorphic
  'channel_tracking.visitor_id', 'conversion_tracking.visitor_id', 'ai_user_relations.external_user_id',
]);

/** The role -> permission matrix of templates-db/README.md. */
const RESOURCES = ['classes', 'teachers', 'students', 'parents', 'enrollment', 'activities', 'notifications', 'todos', 'files', 'ai', 'users', 'system', 'staff'];
const BUSINESS = RESOURCES.filter((r) => r !== 'users' && r !== 'system' && r !== 'staff');
const perms = (action: string, resources: string[]) => resources.map((r) => `${r}:${action}`);
const MATRIX: Record<string, string[]> = {
  admin: ['read', 'write', 'delete'].flatMap((a) => perms(a, RESOURCES)),
  teacher: [
    ...perms('read', BUSINESS),
    ...perms('write', ['classes', 'students', 'parents', 'activities', 'notifications', 'todos', 'files', 'ai']),
    ...perms('delete', ['todos', 'files']),
  ],
  staff: [
    ...perms('read', [...BUSINESS, 'users']),
    ...perms('write', ['students', 'parents', 'enrollment', 'activities', 'notifications', 'todos', 'files', 'ai']),
    ...perms('delete', ['enrollment', 'todos', 'files']),
  ],
  viewer: perms('read', BUSINESS),
};

describe('templates-db: the tenant schema', () => {
  const target = testMysqlTarget();
  const templateDb = uniqueId('tpl');
  const cloneDb = uniqueId('tplclone');
  const scratchDb = uniqueId('tplscratch');
  const parallelDb = uniqueId('tplparallel');
  let template: SchemaSnapshot;

  before(async () => {
    await buildTemplate(target, templateDb, { rebuild: true });
    template = await schemaSnapshot(target, templateDb);
  });
  after(async () => {
    await dropDatabases([templateDb, cloneDb, scratchDb, parallelDb], target);
  });

  async function query(database: string, sql: string, args: unknown[] = []): Promise<RowDataPacket[]> {
    const conn = await connect(target, database);
    try {
      return (await conn.query<RowDataPacket[]>(sql, args))[0];
    } finally {
      await conn.end();
    }
  }

  describe('when the template is built', () => {
    it('then it has exactly the 69 tables of the nine groups, plus schema_migrations', async () => {
      assert.equal(ALL_TABLES.length, 69);
      assert.deepEqual((await listTables(target, templateDb)).sort(), [...ALL_TABLES, 'schema_migrations'].sort());
    });

    it('then every table is InnoDB with utf8mb4_unicode_ci', async () => {
      const odd = await query(
        templateDb,
        "SELECT TABLE_NAME AS t, ENGINE AS e, TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> 'schema_migrations' AND (ENGINE <> 'InnoDB' OR TABLE_COLLATION <> 'utf8mb4_unicode_ci')",
        [templateDb],
      );
      assert.deepEqual(odd, []);
    });

    it('then the columns other parts of the system rely on have their agreed types', async () => {
      const cols = await query(
        templateDb,
        `SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE) AS d FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ('users', 'roles', 'permissions', 'enrollment_applications', 'ai_messages')`,
        [templateDb],
      );
      const have = new Set(cols.map((r) => String(r.d)));
      for (const want of [
        'users.id bigint(20) unsigned NO', 'users.global_user_id bigint(20) unsigned YES', 'users.phone varchar(20) NO',
        'users.real_name varchar(50) NO', "users.status enum('active','inactive','locked') NO", 'roles.id int(10) unsigned NO',
        'permissions.code varchar(100) NO', "enrollment_applications.status enum('pending','reviewing','approved','rejected','withdrawn') NO",
        "ai_messages.role enum('system','user','assistant') NO", 'ai_messages.content mediumtext NO',
      ]) {
        // MySQL 8 omits integer display widths; compare without them.
        const bare = (s: string) => s.replace(/(int)\(\d+\)/g, '$1');
        assert.ok([...have].some((h) => bare(h) === bare(want)), `missing column ${want}`);
      }
    });

    it('then tables that reference each other are tied by foreign keys', async () => {
      const fk = new Set(template.foreignKeys);
      // MySQL 8 reports an FK declared without ON DELETE as NO ACTION, MariaDB as RESTRICT: the same behaviour.
      const deleteRule = (d: string) => /ON DELETE (RESTRICT|NO ACTION|CASCADE|SET NULL) /.exec(d)?.[1]?.replace('NO ACTION', 'RESTRICT');
      const has = (table: string, column: string, ref: string, onDelete?: string) =>
        [...fk].some((d) => d.startsWith(`${table}.`) && d.includes(`-> ${ref} `) && d.includes(`(${column}=id)`) && (!onDelete || deleteRule(d) === onDelete));
      const expected: Array<[string, string, string, string?]> = [
        ['students', 'class_id', 'classes', 'RESTRICT'],
        ['user_roles', 'user_id', 'users', 'CASCADE'],
        ['user_roles', 'role_id', 'roles'],
        ['role_permissions', 'role_id', 'roles'],
        ['role_permissions', 'permission_id', 'permissions'],
        ['parent_student_relations', 'parent_id', 'parents', 'CASCADE'],
        ['parent_student_relations', 'student_id', 'students', 'CASCADE'],
        ['class_teachers', 'class_id', 'classes'],
        ['class_teachers', 'teacher_id', 'teachers'],
        ['teachers', 'user_id', 'users', 'SET NULL'],
        ['enrollment_applications', 'plan_id', 'enrollment_plans', 'RESTRICT'],
        ['enrollment_applications', 'reviewed_by', 'users', 'SET NULL'],
        ['admission_results', 'application_id', 'enrollment_applications'],
        ['admission_notifications', 'result_id', 'admission_results'],
        ['activity_registrations', 'activity_id', 'activities'],
        ['ai_conversations', 'user_id', 'users'],
        ['ai_messages', 'conversation_id', 'ai_conversations', 'CASCADE'],
        ['notifications', 'sender_id', 'users', 'SET NULL'],
        ['todos', 'assignee_id', 'users', 'SET NULL'],
        ['file_storage', 'uploaded_by', 'users', 'SET NULL'],
      ];
      for (const [t, c, r, d] of expected) assert.ok(has(t, c, r, d), `no FK ${t}.${c} -> ${r}${d ? ` ON DELETE ${d}` : ''}`);
      assert.ok(template.foreignKeys.length >= 130, `only ${template.foreignKeys.length} foreign keys`);
    });

    it('then every *_id or *_by column that points at a tenant table has a foreign key', async () => {
      const columns = await query(
        templateDb,
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS col FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND (COLUMN_NAME LIKE '%\\_id' OR COLUMN_NAME LIKE '%\\_by')",
        [templateDb],
      );
      const withFk = new Set(
        (
          await query(
            templateDb,
            "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) AS col FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL",
            [templateDb],
          )
        ).map((r) => String(r.col)),
      );
      assert.ok(columns.length > 100);
      const missing = columns.map((r) => String(r.col)).filter((c) => !withFk.has(c) && !NOT_FOREIGN_KEYS.has(c));
      assert.deepEqual(missing.sort(), []);
    });

    it('then it holds the four system roles and one permission per resource and action', async () => {
      const roles = await query(templateDb, 'SELECT code, is_system FROM roles ORDER BY id');
      assert.deepEqual(roles.map((r) => [r.code, r.is_system]), [['admin', 1], ['teacher', 1], ['staff', 1], ['viewer', 1]]);
      const codes = (await query(templateDb, 'SELECT code, resource, action FROM permissions')).map((p) => {
        assert.equal(p.code, `${p.resource}:${p.action}`);
        return String(p.code);
      });
      assert.deepEqual(codes.sort(), ['read', 'write', 'delete'].flatMap((a) => perms(a, RESOURCES)).sort());
    });

    it('then each role grants exactly the permissions of the README matrix', async () => {
      const grants = await query(
        templateDb,
        'SELECT r.code AS role, p.code AS perm FROM role_permissions rp JOIN roles r ON r.id = rp.role_id JOIN permissions p ON p.id = rp.permission_id',
      );
      const byRole = (role: string) => grants.filter((g) => g.role === role).map((g) => String(g.perm)).sort();
      for (const role of Object.keys(MATRIX)) assert.deepEqual(byRole(role), [...MATRIX[role]!].sort(), role);
      assert.equal(byRole('admin').length, RESOURCES.length * 3, 'admin has every permission');
      assert.ok(byRole('viewer').every((p) => p.endsWith(':read')), 'viewer only reads');
      assert.ok(!byRole('teacher').includes('enrollment:delete'), 'teacher cannot delete enrollment');
    });

    it('then the default settings are in system_config', async () => {
      const rows = await query(templateDb, 'SELECT config_key AS k, config_value AS v, value_type AS t FROM system_config');
      const cfg = new Map(rows.map((r) => [String(r.k), r]));
      assert.equal(cfg.get('kindergarten.timezone')?.v, 'Asia/Shanghai');
      assert.equal(cfg.get('kindergarten.locale')?.v, 'zh-CN');
      assert.equal(cfg.get('files.max_upload_mb')?.v, '20');
      assert.ok(cfg.has('ai.default_model') && cfg.has('kindergarten.name'));
      const types = JSON.parse(String(cfg.get('files.allowed_types')?.v)) as string[];
      assert.ok(types.includes('image/jpeg') && types.includes('application/pdf'));
      for (const r of rows.filter((x) => x.t === 'json')) JSON.parse(String(r.v));
      assert.deepEqual(await query(templateDb, 'SELECT id FROM kindergartens'), [], 'no tenant profile in the template');
    });

    it('then the schema version recorded is the latest migration', async () => {
      const [row] = await query(templateDb, 'SELECT MAX(version) AS v, COUNT(*) AS n FROM schema_migrations');
      assert.equal(Number(row!.v), latestTemplateVersion());
      assert.equal(Number(row!.n), 11);
    });
  });

  describe('when the template is rebuilt or updated', () => {
    it('then a rebuild gives an identical schema and reference data', async () => {
      await buildTemplate(target, templateDb, { rebuild: true });
      assert.deepEqual(await schemaSnapshot(target, templateDb), template);
    });

    it('then building without rebuild applies nothing and changes nothing', async () => {
      const result = await buildTemplate(target, templateDb);
      assert.deepEqual(result.applied, []);
      assert.equal(result.skipped.length, 11);
      assert.deepEqual(await schemaSnapshot(target, templateDb), template);
    });
  });

  describe('when the template is cloned into a tenant database', () => {
    it('then the clone has the same tables, keys, foreign keys, reference rows and version', async () => {
      const res = await cloneTemplate(target, templateDb, cloneDb);
      assert.equal(res.version, latestTemplateVersion());
      assert.equal(res.tables, ALL_TABLES.length + 1);
      assert.deepEqual(await schemaSnapshot(target, cloneDb), template);
    });

    it('then a clone interrupted halfway completes on the next run without duplicating rows', async () => {
      const conn = await connect(target, cloneDb);
      try {
        // What a worker killed mid-clone leaves: some tables missing, some rows not yet copied.
        await conn.query('SET FOREIGN_KEY_CHECKS = 0');
        for (const t of ['users', 'role_permissions', 'ai_messages', 'system_config']) await conn.query(`DROP TABLE ${t}`);
        await conn.query('SET FOREIGN_KEY_CHECKS = 1');
        await conn.query('DELETE FROM permissions WHERE id > 30');
        await conn.query("DELETE FROM message_templates WHERE code LIKE 'admission.%'");
        await conn.query('DELETE FROM schema_migrations WHERE version = 10');
      } finally {
        await conn.end();
      }
      await cloneTemplate(target, templateDb, cloneDb);
      assert.deepEqual(await schemaSnapshot(target, cloneDb), template);
      await cloneTemplate(target, templateDb, cloneDb);
      assert.deepEqual((await schemaSnapshot(target, cloneDb)).rows, template.rows, 'a third run adds no rows');
    });

    it('then a clone over three connections stopped after half the tables completes on the next run, as production runs it', async () => {
      const half = Math.ceil((await listTables(target, templateDb)).length / 2);
      const partial = await cloneTemplate(target, templateDb, parallelDb, undefined, { connections: 3, tables: half });
      assert.equal(partial.tables, half);
      assert.equal((await listTables(target, parallelDb)).length, half);
      await cloneTemplate(target, templateDb, parallelDb, undefined, { connections: 3 });
      assert.deepEqual(await schemaSnapshot(target, parallelDb), template);
    });
  });

  describe('when tenant data is written', () => {
    before(async () => {
      await cloneTemplate(target, templateDb, scratchDb);
    });

    const errorCode = async (sql: string, args: unknown[] = []) =>
      query(scratchDb, sql, args).then(
        () => 'ok',
        (err: { code?: string }) => err.code,
      );

    it('then a user removed takes their role grants along, and a role still held cannot be removed', async () => {
      await query(scratchDb, "INSERT INTO users (id, phone, real_name) VALUES (1, '13800000001', 'Li Hua')");
      await query(scratchDb, 'INSERT INTO user_roles (user_id, role_id) VALUES (1, 2)');
      assert.equal(await errorCode('DELETE FROM roles WHERE id = 2'), 'ER_ROW_IS_REFERENCED_2');
      await query(scratchDb, 'DELETE FROM users WHERE id = 1');
      assert.deepEqual(await query(scratchDb, 'SELECT * FROM user_roles'), []);
    });

    it('then a class with students cannot be deleted and a student cannot join a missing class', async () => {
      await query(scratchDb, "INSERT INTO classes (id, name, grade, academic_year) VALUES (1, 'Sunflower', 'small', '2025-2026')");
      await query(scratchDb, "INSERT INTO students (name, gender, birth_date, class_id) VALUES ('Xiaoming', 'male', '2021-03-01', 1)");
      assert.equal(await errorCode('DELETE FROM classes WHERE id = 1'), 'ER_ROW_IS_REFERENCED_2');
      assert.equal(
        await errorCode("INSERT INTO students (name, gender, birth_date, class_id) VALUES ('Xiaohong', 'female', '2021-05-01', 999)"),
        'ER_NO_REFERENCED_ROW_2',
      );
    });

    it('then an application is decided at most once and a family registers for an activity once', async () => {
      await query(scratchDb, "INSERT INTO enrollment_plans (id, title, year, start_date, end_date) VALUES (1, 'Autumn 2026', 2026, '2026-03-01', '2026-06-30')");
      await query(
        scratchDb,
        "INSERT INTO enrollment_applications (id, plan_id, child_name, child_gender, child_birth_date, parent_name, parent_phone) VALUES (1, 1, 'Tongtong', 'female', '2023-02-01', 'Wang Fang', '13900000002')",
      );
      await query(scratchDb, "INSERT INTO admission_results (application_id, result) VALUES (1, 'admitted')");
      assert.equal(await errorCode("INSERT INTO admission_results (application_id, result) VALUES (1, 'rejected')"), 'ER_DUP_ENTRY');
      await query(scratchDb, "INSERT INTO activities (id, title, start_time, end_time) VALUES (1, 'Open day', '2026-04-01 09:00', '2026-04-01 11:00')");
      const register = "INSERT INTO activity_registrations (activity_id, parent_name, parent_phone, child_name) VALUES (1, 'Wang Fang', '13900000002', 'Tongtong')";
      await query(scratchDb, register);
      assert.equal(await errorCode(register), 'ER_DUP_ENTRY');
    });

    it('then deleting a conversation deletes its messages', async () => {
      await query(scratchDb, "INSERT INTO users (id, phone, real_name) VALUES (2, '13800000003', 'Zhao Lei')");
      await query(scratchDb, "INSERT INTO ai_conversations (id, user_id, title) VALUES (1, 2, 'Menu ideas')");
      await query(scratchDb, "INSERT INTO ai_messages (conversation_id, role, content) VALUES (1, 'user', 'Hi'), (1, 'assistant', 'Hello')");
      await query(scratchDb, 'DELETE FROM ai_conversations WHERE id = 1');
      assert.deepEqual(await query(scratchDb, 'SELECT id FROM ai_messages'), []);
    });
  });
});
