-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 0226845605174771172daafd2c6549d1911e17e9220d91a5cded445d75e7200d

-- Schema rollouts (docs/control-plane.md, "Lifecycle API"): one row per rollout of templates-db migrations to the template
-- database and then to every tenant database; one row per tenant with its own status, so a
-- failing tenant is visible and isolated while the others proceed.
CREATE TABLE schema_rollouts (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  status ENUM('pending','running','completed','completed_with_failures','stopped','failed') NOT NULL DEFAULT 'pending',
  phase ENUM('template','canary','all','done') NOT NULL DEFAULT 'template',
  target_version INT UNSIGNED NULL,
  canary_size INT UNSIGNED NOT NULL DEFAULT 0,
  concurrency INT UNSIGNED NOT NULL DEFAULT 4,
  total_tenants INT UNSIGNED NOT NULL DEFAULT 0,
  requested_by VARCHAR(100) NULL,
  error_message TEXT NULL,
  started_at DATETIME(3) NULL,
  completed_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_schema_rollouts_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE schema_rollout_tenants (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  rollout_id INT UNSIGNED NOT NULL,
  tenant_code VARCHAR(50) NOT NULL,
  batch ENUM('canary','main') NOT NULL DEFAULT 'main',
  position INT UNSIGNED NOT NULL,
  status ENUM('pending','running','completed','failed','skipped') NOT NULL DEFAULT 'pending',
  from_version INT UNSIGNED NULL,
  to_version INT UNSIGNED NULL,
  applied JSON NULL,
  error_message TEXT NULL,
  started_at DATETIME(3) NULL,
  completed_at DATETIME(3) NULL,
  duration_ms INT UNSIGNED NULL,
  UNIQUE KEY uk_rollout_tenant (rollout_id, tenant_code),
  KEY idx_rollout_tenants_status (rollout_id, status),
  CONSTRAINT fk_rollout_tenants_rollout FOREIGN KEY (rollout_id) REFERENCES schema_rollouts (id),
  CONSTRAINT fk_rollout_tenants_tenant FOREIGN KEY (tenant_code) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
