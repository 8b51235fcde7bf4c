-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 39998c30044118ac37fca26dcc474061bf0c43273caa51acd3b502b913864228

-- Where tenant databases may live. The local server row is inserted at start-up from settings
-- (host and port are deployment facts, not schema). The password is never stored: secret_ref
-- names where to read it (e.g. env:MYSQL_PASSWORD).
CREATE TABLE database_servers (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INT UNSIGNED NOT NULL DEFAULT 3306,
  username VARCHAR(100) NOT NULL,
  secret_ref VARCHAR(255) NULL,
  capacity INT UNSIGNED NOT NULL DEFAULT 500,
  status ENUM('active','draining','disabled') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_database_servers_name (name),
  UNIQUE KEY uk_database_servers_endpoint (host, port)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- tenants.tenant_id holds the tenant code (k001); the code calls it tenantCode (docs/control-plane.md,
-- "Identifiers").
CREATE TABLE tenants (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(50) NOT NULL,
  name VARCHAR(255) NOT NULL,
  domain VARCHAR(255) NOT NULL,
  database_name VARCHAR(100) NOT NULL,
  status ENUM('provisioning','active','inactive','suspended','failed','deleted','purged') NOT NULL DEFAULT 'provisioning',
  plan_type ENUM('basic','standard','premium','enterprise') NOT NULL DEFAULT 'basic',
  max_users INT UNSIGNED NOT NULL DEFAULT 50,
  max_storage INT UNSIGNED NOT NULL DEFAULT 5120 COMMENT 'MB',
  contact_name VARCHAR(100) NULL,
  contact_email VARCHAR(255) NULL,
  contact_phone VARCHAR(20) NULL,
  address VARCHAR(500) NULL,
  description TEXT NULL,
  settings JSON NULL,
  created_by INT UNSIGNED NULL,
  db_server_id INT UNSIGNED NULL,
  oss_prefix VARCHAR(255) NULL,
  dns_record_id VARCHAR(100) NULL,
  schema_version INT UNSIGNED NULL,
  provisioning_error TEXT NULL,
  deleted_at DATETIME(3) NULL,
  scheduled_deletion_at DATETIME(3) NULL,
  purged_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_tenants_tenant_id (tenant_id),
  UNIQUE KEY uk_tenants_domain (domain),
  UNIQUE KEY uk_tenants_database_name (database_name),
  UNIQUE KEY uk_tenants_oss_prefix (oss_prefix),
  KEY idx_tenants_status (status),
  KEY idx_tenants_name (name),
  KEY idx_tenants_scheduled_deletion (scheduled_deletion_at),
  CONSTRAINT fk_tenants_db_server FOREIGN KEY (db_server_id) REFERENCES database_servers (id),
  CONSTRAINT fk_tenants_created_by FOREIGN KEY (created_by) REFERENCES admin_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tenant_accounts (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(50) NOT NULL,
  balance DECIMAL(14,4) NOT NULL DEFAULT 0,
  credit_limit DECIMAL(14,4) NOT NULL DEFAULT 0,
  payment_status ENUM('normal','overdue','suspended') NOT NULL DEFAULT 'normal',
  billing_cycle ENUM('monthly','yearly') NOT NULL DEFAULT 'monthly',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_tenant_accounts_tenant (tenant_id),
  CONSTRAINT fk_tenant_accounts_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE global_user_tenant_relations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  global_user_id BIGINT UNSIGNED NOT NULL,
  tenant_code VARCHAR(50) NOT NULL,
  tenant_user_id VARCHAR(255) NULL,
  role_in_tenant VARCHAR(50) NOT NULL,
  permissions JSON NULL,
  status ENUM('active','disabled') NOT NULL DEFAULT 'active',
  first_login_at DATETIME(3) NULL,
  last_login_at DATETIME(3) NULL,
  login_count INT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_gutr_user_tenant (global_user_id, tenant_code),
  KEY idx_gutr_tenant (tenant_code),
  CONSTRAINT fk_gutr_user FOREIGN KEY (global_user_id) REFERENCES global_users (id),
  CONSTRAINT fk_gutr_tenant FOREIGN KEY (tenant_code) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tenant_init_progress (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(50) NOT NULL,
  job_id VARCHAR(100) NULL,
  current_step INT UNSIGNED NOT NULL DEFAULT 0,
  total_steps INT UNSIGNED NOT NULL DEFAULT 8,
  status ENUM('pending','running','completed','failed') NOT NULL DEFAULT 'pending',
  error_message TEXT NULL,
  started_at DATETIME(3) NULL,
  completed_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_tenant_init_progress_tenant (tenant_id),
  CONSTRAINT fk_tenant_init_progress_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tenant_init_steps (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(50) NOT NULL,
  step_name VARCHAR(50) NOT NULL,
  step_order INT UNSIGNED NOT NULL,
  status ENUM('pending','running','completed','failed','skipped') NOT NULL DEFAULT 'pending',
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  started_at DATETIME(3) NULL,
  completed_at DATETIME(3) NULL,
  duration_ms INT UNSIGNED NULL,
  error_message TEXT NULL,
  details JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_tenant_init_steps (tenant_id, step_name),
  CONSTRAINT fk_tenant_init_steps_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per resource of a deleted tenant (docs/control-plane.md, "Deletion and restore");
-- 'cancelled' marks an entry an operator or a restore called off.
CREATE TABLE tenant_resource_cleanup (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_code VARCHAR(50) NOT NULL,
  resource_type ENUM('database','oss','subdomain','other') NOT NULL,
  resource_name VARCHAR(255) NULL,
  db_server_id INT UNSIGNED NULL,
  oss_bucket VARCHAR(100) NULL,
  oss_region VARCHAR(50) NULL,
  oss_path VARCHAR(500) NULL,
  scheduled_deletion_at DATETIME(3) NOT NULL,
  deletion_started_at DATETIME(3) NULL,
  deletion_completed_at DATETIME(3) NULL,
  status ENUM('pending','in_progress','completed','failed','cancelled') NOT NULL DEFAULT 'pending',
  error_message TEXT NULL,
  retry_count INT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_cleanup_due (status, scheduled_deletion_at),
  KEY idx_cleanup_tenant (tenant_code),
  CONSTRAINT fk_cleanup_tenant FOREIGN KEY (tenant_code) REFERENCES tenants (tenant_id),
  CONSTRAINT fk_cleanup_db_server FOREIGN KEY (db_server_id) REFERENCES database_servers (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tenant_cleanup_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  cleanup_id INT UNSIGNED NULL,
  tenant_code VARCHAR(50) NOT NULL,
  action VARCHAR(50) NOT NULL,
  status ENUM('started','completed','failed','skipped','cancelled') NOT NULL,
  message TEXT NULL,
  details JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_cleanup_logs_tenant (tenant_code, created_at),
  CONSTRAINT fk_cleanup_logs_cleanup FOREIGN KEY (cleanup_id) REFERENCES tenant_resource_cleanup (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE data_backup_records (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_code VARCHAR(50) NULL,
  database_name VARCHAR(100) NOT NULL,
  db_server_id INT UNSIGNED NULL,
  backup_type ENUM('scheduled','manual','pre_purge') NOT NULL,
  file_path VARCHAR(1000) NULL,
  file_size BIGINT UNSIGNED NULL,
  checksum CHAR(64) NULL,
  status ENUM('running','completed','failed') NOT NULL DEFAULT 'running',
  error_message TEXT NULL,
  started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  completed_at DATETIME(3) NULL,
  KEY idx_backups_tenant (tenant_code, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Local DNS provider's records (docs/control-plane.md, "Providers"). The Alibaba adapter keeps records at the provider.
CREATE TABLE dns_records (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  record_id VARCHAR(100) NOT NULL,
  domain_name VARCHAR(255) NOT NULL,
  rr VARCHAR(100) NOT NULL,
  type ENUM('A','CNAME') NOT NULL,
  value VARCHAR(255) NOT NULL,
  ttl INT UNSIGNED NOT NULL DEFAULT 600,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_dns_records_record_id (record_id),
  UNIQUE KEY uk_dns_records_name (domain_name, rr, type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
