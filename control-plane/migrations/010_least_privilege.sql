-- Least privilege (docs/privileges.md). Each tenant database gets its own MySQL account: its user
-- name, host pattern and password sealed with MASTER_KEY are kept with the tenant. The provisioner
-- fills them in its create pipeline (or `npm run tenants:create-db-users` for earlier tenants);
-- the tenant app reads them to switch its shared connections to the tenant's account.
ALTER TABLE tenants
  ADD COLUMN db_user VARCHAR(32) NULL AFTER database_name,
  ADD COLUMN db_user_host VARCHAR(255) NULL AFTER db_user,
  ADD COLUMN db_password_enc VARCHAR(255) NULL AFTER db_user_host;

-- The request id the client sent (X-Request-Id), kept apart from the id the server generated.
ALTER TABLE audit_logs
  ADD COLUMN client_request_id VARCHAR(128) NULL AFTER request_id;
