-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 6775232283b0f06e90bc3d7108c7578da8aca78d8a70521ad4b438a6eedfe1d5
-- Group 9 of the tenant schema: configuration, logs, notices, schedules, to-dos, files and the
-- kindergarten's own profile.

-- config_value is text; value_type says how to read it (json values are JSON text).
-- is_public settings may be shown to every signed-in user (e.g. the kindergarten's name).
CREATE TABLE system_config (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  config_key VARCHAR(100) NOT NULL,
  config_value TEXT NULL,
  value_type ENUM('string','number','boolean','json') NOT NULL DEFAULT 'string',
  category VARCHAR(50) NOT NULL DEFAULT 'general',
  description VARCHAR(255) NULL,
  is_public TINYINT(1) NOT NULL DEFAULT 0,
  is_editable TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_system_config_key (config_key),
  KEY idx_system_config_category (category)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE system_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  level ENUM('debug','info','warn','error') NOT NULL DEFAULT 'info',
  source VARCHAR(100) NOT NULL,
  message TEXT NOT NULL,
  context JSON NULL,
  request_id VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_system_logs_level_created (level, created_at),
  KEY idx_system_logs_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who changed what inside the tenant (staff actions; operator actions go to the control plane's audit_logs).
CREATE TABLE operation_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NULL,
  module VARCHAR(50) NOT NULL,
  action VARCHAR(50) NOT NULL,
  resource_type VARCHAR(50) NULL,
  resource_id VARCHAR(64) NULL,
  description VARCHAR(500) NULL,
  before_data JSON NULL,
  after_data JSON NULL,
  status ENUM('success','failure') NOT NULL DEFAULT 'success',
  ip_address VARCHAR(45) NULL,
  user_agent VARCHAR(500) NULL,
  request_id VARCHAR(64) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_operation_logs_user (user_id, created_at),
  KEY idx_operation_logs_resource (resource_type, resource_id),
  KEY idx_operation_logs_created (created_at),
  CONSTRAINT fk_operation_logs_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- target_type says who sees it: everyone, staff, parents, one class (target_class_id) or the
-- users listed in target_user_ids (JSON array).
CREATE TABLE notifications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  content TEXT NOT NULL,
  type ENUM('announcement','notice','reminder','emergency','system') NOT NULL DEFAULT 'notice',
  target_type ENUM('all','staff','parents','class','users') NOT NULL DEFAULT 'all',
  target_class_id BIGINT UNSIGNED NULL,
  target_user_ids JSON NULL,
  priority ENUM('low','normal','high') NOT NULL DEFAULT 'normal',
  sender_id BIGINT UNSIGNED NULL,
  status ENUM('draft','published','withdrawn') NOT NULL DEFAULT 'draft',
  published_at DATETIME(3) NULL,
  expires_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_notifications_status_published (status, published_at),
  KEY idx_notifications_type (type),
  CONSTRAINT fk_notifications_sender FOREIGN KEY (sender_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_notifications_class FOREIGN KEY (target_class_id) REFERENCES classes (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE schedules (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL COMMENT 'owner',
  title VARCHAR(200) NOT NULL,
  description TEXT NULL,
  type ENUM('meeting','class','activity','duty','personal','other') NOT NULL DEFAULT 'other',
  start_time DATETIME(3) NOT NULL,
  end_time DATETIME(3) NULL,
  all_day TINYINT(1) NOT NULL DEFAULT 0,
  location VARCHAR(200) NULL,
  class_id BIGINT UNSIGNED NULL,
  activity_id BIGINT UNSIGNED NULL,
  repeat_rule VARCHAR(200) NULL COMMENT 'RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO',
  remind_minutes_before INT UNSIGNED NULL,
  status ENUM('scheduled','done','cancelled') NOT NULL DEFAULT 'scheduled',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_schedules_user_start (user_id, start_time),
  CONSTRAINT fk_schedules_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_schedules_class FOREIGN KEY (class_id) REFERENCES classes (id) ON DELETE SET NULL,
  CONSTRAINT fk_schedules_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- related_type/related_id point at what the to-do is about (an application, an activity, ...).
CREATE TABLE todos (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  description TEXT NULL,
  assignee_id BIGINT UNSIGNED NULL,
  creator_id BIGINT UNSIGNED NULL,
  priority ENUM('low','medium','high','urgent') NOT NULL DEFAULT 'medium',
  status ENUM('pending','in_progress','done','cancelled') NOT NULL DEFAULT 'pending',
  due_at DATETIME(3) NULL,
  completed_at DATETIME(3) NULL,
  related_type VARCHAR(50) NULL,
  related_id BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_todos_assignee_status (assignee_id, status, due_at),
  KEY idx_todos_status_due (status, due_at),
  CONSTRAINT fk_todos_assignee FOREIGN KEY (assignee_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_todos_creator FOREIGN KEY (creator_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Objects in the tenant's storage prefix (docs/provisioning.md). object_key is relative to the prefix;
-- category follows the prefix folders (uploads/images, uploads/videos, uploads/files,
-- generated/posters, generated/documents, temp). status pending: upload URL issued, not confirmed.
CREATE TABLE file_storage (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  object_key VARCHAR(512) NOT NULL,
  original_name VARCHAR(255) NOT NULL,
  mime_type VARCHAR(100) NOT NULL,
  size_bytes BIGINT UNSIGNED NOT NULL DEFAULT 0,
  checksum_sha256 CHAR(64) NULL,
  category ENUM('image','video','file','poster','document','temp') NOT NULL DEFAULT 'file',
  uploaded_by BIGINT UNSIGNED NULL,
  related_type VARCHAR(50) NULL,
  related_id BIGINT UNSIGNED NULL,
  status ENUM('pending','active','deleted') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_file_storage_object_key (object_key),
  KEY idx_file_storage_category_status (category, status),
  KEY idx_file_storage_uploaded_by (uploaded_by, created_at),
  KEY idx_file_storage_related (related_type, related_id),
  CONSTRAINT fk_file_storage_uploaded_by FOREIGN KEY (uploaded_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The kindergarten's profile (usually one row; a group of campuses may have several).
-- Filled per tenant at provisioning or by the principal; the template has none.
CREATE TABLE kindergartens (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(50) NULL COMMENT 'tenant code, e.g. k001',
  name VARCHAR(200) NOT NULL,
  short_name VARCHAR(50) NULL,
  type ENUM('public','private','inclusive_private','other') NOT NULL DEFAULT 'private',
  license_no VARCHAR(100) NULL,
  principal_name VARCHAR(50) NULL,
  contact_phone VARCHAR(20) NULL,
  email VARCHAR(255) NULL,
  province VARCHAR(50) NULL,
  city VARCHAR(50) NULL,
  district VARCHAR(50) NULL,
  address VARCHAR(255) NULL,
  latitude DECIMAL(10,7) NULL,
  longitude DECIMAL(10,7) NULL,
  capacity INT UNSIGNED NULL,
  established_date DATE NULL,
  logo_url VARCHAR(500) NULL,
  description TEXT NULL,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_kindergartens_code (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Step-by-step UI tours of the staff app; role_id NULL shows the step to every role.
CREATE TABLE page_guides (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  page_key VARCHAR(100) NOT NULL,
  step_order INT UNSIGNED NOT NULL DEFAULT 1,
  title VARCHAR(200) NOT NULL,
  content TEXT NOT NULL,
  target_selector VARCHAR(255) NULL,
  placement ENUM('top','bottom','left','right') NOT NULL DEFAULT 'bottom',
  role_id INT UNSIGNED NULL,
  is_enabled TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_page_guides_page_step (page_key, step_order),
  CONSTRAINT fk_page_guides_role FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Talk scripts (话术) staff use with families: consultations, follow-ups, activity invitations.
CREATE TABLE scripts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  category ENUM('enrollment','consultation','followup','activity','other') NOT NULL DEFAULT 'consultation',
  scenario VARCHAR(200) NULL,
  content TEXT NOT NULL,
  keywords VARCHAR(255) NULL,
  usage_count INT UNSIGNED NOT NULL DEFAULT 0,
  is_shared TINYINT(1) NOT NULL DEFAULT 1,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_scripts_category (category, status),
  CONSTRAINT fk_scripts_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
