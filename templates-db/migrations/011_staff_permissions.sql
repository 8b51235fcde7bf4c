-- Staff management inside a tenant (docs/staff-app.md, "Staff management"): who may add, change,
-- disable and remove the kindergarten's staff and edit its roles. Only the admin role gets them;
-- a tenant admin may grant them to a custom role.
INSERT INTO permissions (id, code, resource, action, name, description) VALUES
  (37, 'staff:read', 'staff', 'read', 'View staff', 'List staff members and roles'),
  (38, 'staff:write', 'staff', 'write', 'Manage staff', 'Add staff, change their role, disable and enable them, edit custom roles'),
  (39, 'staff:delete', 'staff', 'delete', 'Remove staff', 'Remove staff members and delete custom roles');

INSERT INTO role_permissions (role_id, permission_id)
SELECT r.id, p.id FROM roles r JOIN permissions p ON p.resource = 'staff' WHERE r.code = 'admin';
