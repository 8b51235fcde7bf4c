-- Reference data every tenant starts with (copied by the clone): roles, permissions, the
-- role -> permission matrix (templates-db/README.md), default settings and message templates.
-- Ids are explicit so every tenant has the same ones.

INSERT INTO roles (id, code, name, description, is_system) VALUES
  (1, 'admin', 'Administrator', 'Principal or director: every permission, including users and system settings', 1),
  (2, 'teacher', 'Teacher', 'Runs classes, students, families, activities and notices', 1),
  (3, 'staff', 'Office staff', 'Enrollment, families, activities and day-to-day administration', 1),
  (4, 'viewer', 'Viewer', 'Read-only access to business data', 1);

INSERT INTO permissions (id, code, resource, action, name, description) VALUES
  (1, 'classes:read', 'classes', 'read', 'View classes', 'List and view classes'),
  (2, 'classes:write', 'classes', 'write', 'Edit classes', 'Create and update classes'),
  (3, 'classes:delete', 'classes', 'delete', 'Delete classes', 'Delete classes'),
  (4, 'teachers:read', 'teachers', 'read', 'View teachers', 'List and view teachers and class assignments'),
  (5, 'teachers:write', 'teachers', 'write', 'Edit teachers', 'Create and update teachers and class assignments'),
  (6, 'teachers:delete', 'teachers', 'delete', 'Delete teachers', 'Delete teachers and class assignments'),
  (7, 'students:read', 'students', 'read', 'View students', 'List and view students'),
  (8, 'students:write', 'students', 'write', 'Edit students', 'Create and update students'),
  (9, 'students:delete', 'students', 'delete', 'Delete students', 'Delete students'),
  (10, 'parents:read', 'parents', 'read', 'View parents', 'List and view parents and their children'),
  (11, 'parents:write', 'parents', 'write', 'Edit parents', 'Create and update parents and their children'),
  (12, 'parents:delete', 'parents', 'delete', 'Delete parents', 'Delete parents and parent-child links'),
  (13, 'enrollment:read', 'enrollment', 'read', 'View enrollment', 'List and view plans, applications, admissions'),
  (14, 'enrollment:write', 'enrollment', 'write', 'Edit enrollment', 'Create plans, review applications, decide admissions'),
  (15, 'enrollment:delete', 'enrollment', 'delete', 'Delete enrollment', 'Delete plans, applications, admissions'),
  (16, 'activities:read', 'activities', 'read', 'View activities', 'List and view activities and registrations'),
  (17, 'activities:write', 'activities', 'write', 'Edit activities', 'Create and update activities and registrations'),
  (18, 'activities:delete', 'activities', 'delete', 'Delete activities', 'Delete activities and registrations'),
  (19, 'notifications:read', 'notifications', 'read', 'View notifications', 'List and view notifications'),
  (20, 'notifications:write', 'notifications', 'write', 'Edit notifications', 'Create, update and publish notifications'),
  (21, 'notifications:delete', 'notifications', 'delete', 'Delete notifications', 'Delete notifications'),
  (22, 'todos:read', 'todos', 'read', 'View to-dos', 'List and view to-dos'),
  (23, 'todos:write', 'todos', 'write', 'Edit to-dos', 'Create and update to-dos'),
  (24, 'todos:delete', 'todos', 'delete', 'Delete to-dos', 'Delete to-dos'),
  (25, 'files:read', 'files', 'read', 'View files', 'List and download files'),
  (26, 'files:write', 'files', 'write', 'Upload files', 'Upload and update files'),
  (27, 'files:delete', 'files', 'delete', 'Delete files', 'Delete files'),
  (28, 'ai:read', 'ai', 'read', 'View AI conversations', 'List and read AI assistant conversations'),
  (29, 'ai:write', 'ai', 'write', 'Use the AI assistant', 'Start conversations and send messages to the AI assistant'),
  (30, 'ai:delete', 'ai', 'delete', 'Delete AI conversations', 'Delete AI assistant conversations'),
  (31, 'users:read', 'users', 'read', 'View users', 'List and view users and their roles'),
  (32, 'users:write', 'users', 'write', 'Edit users', 'Create and update users and grant roles'),
  (33, 'users:delete', 'users', 'delete', 'Delete users', 'Delete users'),
  (34, 'system:read', 'system', 'read', 'View settings', 'View system settings and logs'),
  (35, 'system:write', 'system', 'write', 'Edit settings', 'Change system settings'),
  (36, 'system:delete', 'system', 'delete', 'Delete settings', 'Delete system settings and logs');

-- The matrix, as rules over (resource, action); README.md shows it as a table.
INSERT INTO role_permissions (role_id, permission_id)
SELECT r.id, p.id
  FROM roles r
  JOIN permissions p
 WHERE r.code = 'admin'
    OR (r.code = 'teacher' AND (
          (p.action = 'read' AND p.resource NOT IN ('users', 'system'))
       OR (p.action = 'write' AND p.resource IN ('classes', 'students', 'parents', 'activities', 'notifications', 'todos', 'files', 'ai'))
       OR (p.action = 'delete' AND p.resource IN ('todos', 'files'))))
    OR (r.code = 'staff' AND (
          (p.action = 'read' AND p.resource <> 'system')
       OR (p.action = 'write' AND p.resource IN ('students', 'parents', 'enrollment', 'activities', 'notifications', 'todos', 'files', 'ai'))
       OR (p.action = 'delete' AND p.resource IN ('enrollment', 'todos', 'files'))))
    OR (r.code = 'viewer' AND p.action = 'read' AND p.resource NOT IN ('users', 'system'))
 ORDER BY r.id, p.id;

INSERT INTO system_config (id, config_key, config_value, value_type, category, description, is_public, is_editable) VALUES
  (1, 'kindergarten.name', '', 'string', 'kindergarten', 'Display name of the kindergarten (set at provisioning)', 1, 1),
  (2, 'kindergarten.timezone', 'Asia/Shanghai', 'string', 'kindergarten', 'IANA time zone used to show dates and run reminders', 1, 1),
  (3, 'kindergarten.locale', 'zh-CN', 'string', 'kindergarten', 'Default language of the staff app (zh-CN or en-US)', 1, 1),
  (4, 'academic.current_year', '', 'string', 'academic', 'Current academic year, e.g. 2025-2026; empty: derived from today', 1, 1),
  (5, 'files.max_upload_mb', '20', 'number', 'files', 'Largest file a user may upload, in MB', 1, 1),
  (6, 'files.allowed_types', '["image/jpeg","image/png","image/gif","image/webp","video/mp4","application/pdf","application/msword","application/vnd.openxmlformats-officedocument.wordprocessingml.document","application/vnd.ms-excel","application/vnd.openxmlformats-officedocument.spreadsheetml.sheet","application/vnd.ms-powerpoint","application/vnd.openxmlformats-officedocument.presentationml.presentation","text/plain","text/csv"]', 'json', 'files', 'MIME types accepted by uploads', 1, 1),
  (7, 'ai.enabled', 'true', 'boolean', 'ai', 'Whether staff may use the AI assistant', 1, 1),
  (8, 'ai.default_model', '', 'string', 'ai', 'Model requested by the assistant; empty: the tenant''s highest-priority enabled model', 0, 1),
  (9, 'ai.max_context_messages', '20', 'number', 'ai', 'Earlier messages of a conversation sent with each question', 0, 1),
  (10, 'enrollment.application_no_prefix', 'EA', 'string', 'enrollment', 'Prefix of generated application numbers', 0, 1),
  (11, 'notifications.default_channel', 'in_app', 'string', 'notifications', 'Channel of notifications when none is chosen', 0, 1),
  (12, 'security.session_timeout_minutes', '60', 'number', 'security', 'Idle minutes before the staff app signs out', 0, 1);

INSERT INTO message_templates (id, code, name, channel, category, subject, content, variables, is_system) VALUES
  (1, 'admission.admitted', 'Admission: admitted', 'sms', 'enrollment', NULL,
   '【{{kindergartenName}}】{{parentName}}您好，{{childName}}已被录取{{className}}，请于{{confirmDeadline}}前确认入园。',
   '["kindergartenName","parentName","childName","className","confirmDeadline"]', 1),
  (2, 'admission.waitlisted', 'Admission: waitlisted', 'sms', 'enrollment', NULL,
   '【{{kindergartenName}}】{{parentName}}您好，{{childName}}目前在候补名单中，有名额时我们会第一时间通知您。',
   '["kindergartenName","parentName","childName"]', 1),
  (3, 'admission.rejected', 'Admission: not admitted', 'sms', 'enrollment', NULL,
   '【{{kindergartenName}}】{{parentName}}您好，很遗憾{{childName}}本次未能录取，感谢您的关注。',
   '["kindergartenName","parentName","childName"]', 1),
  (4, 'activity.registered', 'Activity: registration received', 'sms', 'activity', NULL,
   '【{{kindergartenName}}】{{parentName}}您好，您已成功报名“{{activityTitle}}”，时间：{{startTime}}，地点：{{location}}。',
   '["kindergartenName","parentName","activityTitle","startTime","location"]', 1);
