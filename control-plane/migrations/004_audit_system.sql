-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: fb3f80b29aaf1fd4fc77fb0c3b0eb13f73a56e6c56e771397322fdc9ab2f15cd

-- Append-only, hash-chained audit log (docs/control-plane.md, "Audit chain"). Each row's hash is an HMAC over its content and
-- the previous row's hash; audit_chain_head serialises appends across instances and records the
-- last hash so a removed tail is detected too. Triggers refuse UPDATE and DELETE.
CREATE TABLE audit_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  actor_type ENUM('admin','user','system') NOT NULL,
  actor_id VARCHAR(64) NULL,
  actor_name VARCHAR(100) NULL,
  action VARCHAR(100) NOT NULL,
  tenant_code VARCHAR(50) NULL,
  target_type VARCHAR(50) NULL,
  target_id VARCHAR(100) NULL,
  ip_address VARCHAR(64) NULL,
  user_agent VARCHAR(500) NULL,
  request_id VARCHAR(128) NULL,
  before_data JSON NULL,
  after_data JSON NULL,
  created_at DATETIME(3) NOT NULL,
  prev_hash CHAR(64) NOT NULL,
  hash CHAR(64) NOT NULL,
  UNIQUE KEY uk_audit_logs_hash (hash),
  KEY idx_audit_logs_tenant (tenant_code, created_at),
  KEY idx_audit_logs_actor (actor_type, actor_id, created_at),
  KEY idx_audit_logs_action (action, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_chain_head (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  last_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  last_hash CHAR(64) NOT NULL,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO audit_chain_head (id, last_id, last_hash) VALUES (1, 0, REPEAT('0', 64));

CREATE TRIGGER trg_audit_logs_no_update BEFORE UPDATE ON audit_logs FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_logs is append-only';

CREATE TRIGGER trg_audit_logs_no_delete BEFORE DELETE ON audit_logs FOR EACH ROW
  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_logs is append-only';

CREATE TABLE system_config (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  config_key VARCHAR(100) NOT NULL,
  config_value JSON NOT NULL,
  description VARCHAR(500) NULL,
  updated_by INT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_system_config_key (config_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO system_config (config_key, config_value, description) VALUES
  ('tenant.purge_grace_days', '30', 'Days a deleted tenant stays restorable before its resources are purged'),
  ('tenant.default_plan', '"basic"', 'Plan given to a tenant created without planType'),
  ('storage.temp_retention_days', '7', 'Days files under temp/ are kept');
