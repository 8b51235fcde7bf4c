-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 200c48a8786e4b89c778171696c13a59268b87c1fe877657479f5f89c824143c

-- Operators of the platform (username sign-in) and the staff of all tenants (phone sign-in).
-- Column names follow the original design: admin_users.password holds the bcrypt hash.
CREATE TABLE admin_users (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(50) NOT NULL,
  email VARCHAR(255) NULL,
  password VARCHAR(255) NOT NULL,
  role ENUM('super_admin','admin','operator') NOT NULL DEFAULT 'operator',
  status ENUM('active','inactive','suspended') NOT NULL DEFAULT 'active',
  failed_login_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  locked_until DATETIME(3) NULL,
  last_login_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_admin_users_username (username),
  UNIQUE KEY uk_admin_users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE global_users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone VARCHAR(20) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  real_name VARCHAR(50) NOT NULL,
  email VARCHAR(255) NULL,
  registration_source VARCHAR(100) NOT NULL DEFAULT 'web',
  status ENUM('active','locked','suspended','deleted') NOT NULL DEFAULT 'active',
  failed_login_attempts INT UNSIGNED NOT NULL DEFAULT 0,
  locked_until DATETIME(3) NULL,
  must_change_password TINYINT(1) NOT NULL DEFAULT 0,
  last_login_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_global_users_phone (phone),
  KEY idx_global_users_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- RS256 signing keys, shared by every control-plane instance. Private keys are encrypted with
-- MASTER_KEY; 'retiring' keys still verify (they stay in the JWKS) but no longer sign.
CREATE TABLE signing_keys (
  kid VARCHAR(64) NOT NULL PRIMARY KEY,
  algorithm VARCHAR(16) NOT NULL DEFAULT 'RS256',
  public_key_pem TEXT NOT NULL,
  private_key_enc TEXT NOT NULL,
  status ENUM('active','retiring','retired') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  retired_at DATETIME(3) NULL,
  KEY idx_signing_keys_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Opaque refresh tokens, stored hashed. Each sign-in starts a family; every refresh rotates the
-- token within its family; presenting a rotated token again revokes the whole family.
CREATE TABLE refresh_tokens (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash CHAR(64) NOT NULL,
  family_id CHAR(36) NOT NULL,
  subject_type ENUM('admin','user') NOT NULL,
  subject_id BIGINT UNSIGNED NOT NULL,
  tenant_code VARCHAR(50) NULL,
  status ENUM('active','rotated','revoked') NOT NULL DEFAULT 'active',
  expires_at DATETIME(3) NOT NULL,
  rotated_at DATETIME(3) NULL,
  replaced_by_id BIGINT UNSIGNED NULL,
  revoked_at DATETIME(3) NULL,
  revoke_reason VARCHAR(100) NULL,
  ip_address VARCHAR(64) NULL,
  user_agent VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_refresh_tokens_hash (token_hash),
  KEY idx_refresh_tokens_family (family_id),
  KEY idx_refresh_tokens_subject (subject_type, subject_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE login_history (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject_type ENUM('admin','user') NOT NULL,
  subject_id BIGINT UNSIGNED NULL,
  identifier VARCHAR(100) NOT NULL,
  success TINYINT(1) NOT NULL,
  failure_reason VARCHAR(100) NULL,
  ip_address VARCHAR(64) NULL,
  user_agent VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_login_history_subject (subject_type, subject_id, created_at),
  KEY idx_login_history_identifier (identifier, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE unified_auth_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  subject_type ENUM('admin','user') NOT NULL,
  subject_id BIGINT UNSIGNED NULL,
  event_type VARCHAR(50) NOT NULL,
  tenant_code VARCHAR(50) NULL,
  success TINYINT(1) NOT NULL DEFAULT 1,
  ip_address VARCHAR(64) NULL,
  user_agent VARCHAR(500) NULL,
  details JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_unified_auth_logs_subject (subject_type, subject_id, created_at),
  KEY idx_unified_auth_logs_event (event_type, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE security_events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_type VARCHAR(50) NOT NULL,
  severity ENUM('low','medium','high','critical') NOT NULL DEFAULT 'medium',
  subject_type VARCHAR(20) NULL,
  subject_id VARCHAR(64) NULL,
  tenant_code VARCHAR(50) NULL,
  ip_address VARCHAR(64) NULL,
  details JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_security_events_type (event_type, created_at),
  KEY idx_security_events_tenant (tenant_code, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sms_verification_codes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  phone VARCHAR(20) NOT NULL,
  purpose VARCHAR(30) NOT NULL,
  code_hash CHAR(64) NOT NULL,
  attempts INT UNSIGNED NOT NULL DEFAULT 0,
  max_attempts INT UNSIGNED NOT NULL DEFAULT 5,
  expires_at DATETIME(3) NOT NULL,
  consumed_at DATETIME(3) NULL,
  ip_address VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_sms_codes_phone (phone, purpose, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
