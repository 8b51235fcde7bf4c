-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: d99ea06a06abfd331a786dcd4c1c4c6c5aad78f3ae171a2d2df164672b2811aa
-- Group 7 of the tenant schema: posters and message templates, plus activity_posters (group 5),
-- which needs the poster tables. Generated images live in the tenant's storage prefix under
-- generated/posters; object_key is the key inside that prefix.

CREATE TABLE poster_categories (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id BIGINT UNSIGNED NULL,
  code VARCHAR(50) NOT NULL,
  name VARCHAR(100) NOT NULL,
  sort_order INT NOT NULL DEFAULT 0,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_poster_categories_code (code),
  CONSTRAINT fk_poster_categories_parent FOREIGN KEY (parent_id) REFERENCES poster_categories (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE poster_templates (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  category_id BIGINT UNSIGNED NULL,
  name VARCHAR(100) NOT NULL,
  description VARCHAR(500) NULL,
  width INT UNSIGNED NOT NULL DEFAULT 750,
  height INT UNSIGNED NOT NULL DEFAULT 1334,
  background_url VARCHAR(500) NULL,
  thumbnail_url VARCHAR(500) NULL,
  layout JSON NULL,
  usage_count INT UNSIGNED NOT NULL DEFAULT 0,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_poster_templates_category (category_id, status),
  CONSTRAINT fk_poster_templates_category FOREIGN KEY (category_id) REFERENCES poster_categories (id) ON DELETE SET NULL,
  CONSTRAINT fk_poster_templates_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Positioned layers of a template; is_editable layers are filled per generation.
CREATE TABLE poster_elements (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  template_id BIGINT UNSIGNED NOT NULL,
  element_type ENUM('text','image','qrcode','shape','logo') NOT NULL,
  name VARCHAR(100) NOT NULL,
  content TEXT NULL,
  x INT NOT NULL DEFAULT 0,
  y INT NOT NULL DEFAULT 0,
  width INT UNSIGNED NULL,
  height INT UNSIGNED NULL,
  rotation SMALLINT NOT NULL DEFAULT 0,
  z_index INT NOT NULL DEFAULT 0,
  style JSON NULL,
  is_editable TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_poster_elements_template (template_id, z_index),
  CONSTRAINT fk_poster_elements_template FOREIGN KEY (template_id) REFERENCES poster_templates (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One rendering job of a template with its parameters.
CREATE TABLE poster_generations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  template_id BIGINT UNSIGNED NULL,
  user_id BIGINT UNSIGNED NULL,
  activity_id BIGINT UNSIGNED NULL,
  campaign_id BIGINT UNSIGNED NULL,
  referral_code_id BIGINT UNSIGNED NULL,
  title VARCHAR(200) NULL,
  params JSON NULL,
  object_key VARCHAR(512) NULL,
  image_url VARCHAR(500) NULL,
  status ENUM('pending','processing','completed','failed') NOT NULL DEFAULT 'pending',
  error_message VARCHAR(500) NULL,
  completed_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_poster_generations_status (status),
  CONSTRAINT fk_poster_generations_template FOREIGN KEY (template_id) REFERENCES poster_templates (id) ON DELETE SET NULL,
  CONSTRAINT fk_poster_generations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_poster_generations_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE SET NULL,
  CONSTRAINT fk_poster_generations_campaign FOREIGN KEY (campaign_id) REFERENCES marketing_campaigns (id) ON DELETE SET NULL,
  CONSTRAINT fk_poster_generations_referral FOREIGN KEY (referral_code_id) REFERENCES referral_codes (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A staff member's own posters (e.g. a personal enrollment poster with their referral QR code).
CREATE TABLE personal_posters (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  template_id BIGINT UNSIGNED NULL,
  generation_id BIGINT UNSIGNED NULL,
  title VARCHAR(200) NOT NULL,
  object_key VARCHAR(512) NULL,
  image_url VARCHAR(500) NULL,
  view_count INT UNSIGNED NOT NULL DEFAULT 0,
  share_count INT UNSIGNED NOT NULL DEFAULT 0,
  status ENUM('active','archived') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_personal_posters_user (user_id, status),
  CONSTRAINT fk_personal_posters_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_personal_posters_template FOREIGN KEY (template_id) REFERENCES poster_templates (id) ON DELETE SET NULL,
  CONSTRAINT fk_personal_posters_generation FOREIGN KEY (generation_id) REFERENCES poster_generations (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE activity_posters (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  template_id BIGINT UNSIGNED NULL,
  generation_id BIGINT UNSIGNED NULL,
  title VARCHAR(200) NULL,
  object_key VARCHAR(512) NULL,
  image_url VARCHAR(500) NULL,
  is_primary TINYINT(1) NOT NULL DEFAULT 0,
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_activity_posters_activity (activity_id),
  CONSTRAINT fk_activity_posters_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE,
  CONSTRAINT fk_activity_posters_template FOREIGN KEY (template_id) REFERENCES poster_templates (id) ON DELETE SET NULL,
  CONSTRAINT fk_activity_posters_generation FOREIGN KEY (generation_id) REFERENCES poster_generations (id) ON DELETE SET NULL,
  CONSTRAINT fk_activity_posters_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Texts sent to families and staff; {{name}} placeholders are listed in variables.
CREATE TABLE message_templates (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(100) NOT NULL,
  name VARCHAR(100) NOT NULL,
  channel ENUM('sms','email','wechat','in_app') NOT NULL DEFAULT 'sms',
  category VARCHAR(50) NOT NULL DEFAULT 'general' COMMENT 'enrollment, activity, notice, ...',
  subject VARCHAR(200) NULL,
  content TEXT NOT NULL,
  variables JSON NULL,
  is_system TINYINT(1) NOT NULL DEFAULT 0,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_message_templates_code (code),
  KEY idx_message_templates_category (category)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
