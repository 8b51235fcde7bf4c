-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: dbdbb138a443cabc2840664391277ee62083e56c41811bbab84bbce2441f00bd
-- Group 5 of the tenant schema: activities (open days, parent-child events, festivals, ...).
-- activity_posters is created with the poster tables in 007_content.

CREATE TABLE activity_templates (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  type ENUM('open_day','parent_child','festival','outdoor','lecture','performance','other') NOT NULL DEFAULT 'other',
  description TEXT NULL,
  default_duration_minutes INT UNSIGNED NULL,
  default_capacity INT UNSIGNED NULL,
  content JSON NULL COMMENT 'default agenda, materials and copy',
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_activity_templates_type (type),
  CONSTRAINT fk_activity_templates_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- capacity NULL means unlimited.
CREATE TABLE activities (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  template_id BIGINT UNSIGNED NULL,
  title VARCHAR(200) NOT NULL,
  type ENUM('open_day','parent_child','festival','outdoor','lecture','performance','other') NOT NULL DEFAULT 'other',
  description TEXT NULL,
  location VARCHAR(200) NULL,
  start_time DATETIME(3) NOT NULL,
  end_time DATETIME(3) NOT NULL,
  capacity INT UNSIGNED NULL,
  registration_deadline DATETIME(3) NULL,
  fee DECIMAL(10,2) NOT NULL DEFAULT 0.00,
  target_audience ENUM('all','students','parents','prospective','staff') NOT NULL DEFAULT 'all',
  cover_url VARCHAR(500) NULL,
  status ENUM('draft','published','ongoing','finished','cancelled') NOT NULL DEFAULT 'draft',
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_activities_status_start (status, start_time),
  KEY idx_activities_start (start_time),
  KEY idx_activities_type (type),
  CONSTRAINT fk_activities_template FOREIGN KEY (template_id) REFERENCES activity_templates (id) ON DELETE SET NULL,
  CONSTRAINT fk_activities_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Families sign up by phone; child_name is '' for adults-only events. An activity that has
-- registrations cannot be deleted (RESTRICT): cancel it instead.
CREATE TABLE activity_registrations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  student_id BIGINT UNSIGNED NULL,
  parent_id BIGINT UNSIGNED NULL,
  parent_name VARCHAR(50) NOT NULL,
  parent_phone VARCHAR(20) NOT NULL,
  child_name VARCHAR(50) NOT NULL DEFAULT '',
  child_age_months SMALLINT UNSIGNED NULL,
  participants SMALLINT UNSIGNED NOT NULL DEFAULT 1,
  status ENUM('registered','confirmed','cancelled','attended','absent') NOT NULL DEFAULT 'registered',
  channel_id BIGINT UNSIGNED NULL,
  checked_in_at DATETIME(3) NULL,
  remark VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_activity_registrations_family (activity_id, parent_phone, child_name),
  KEY idx_activity_registrations_status (activity_id, status),
  KEY idx_activity_registrations_phone (parent_phone),
  CONSTRAINT fk_activity_registrations_activity FOREIGN KEY (activity_id) REFERENCES activities (id),
  CONSTRAINT fk_activity_registrations_student FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE SET NULL,
  CONSTRAINT fk_activity_registrations_parent FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE SET NULL,
  CONSTRAINT fk_activity_registrations_channel FOREIGN KEY (channel_id) REFERENCES channels (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE activity_evaluations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  registration_id BIGINT UNSIGNED NULL,
  user_id BIGINT UNSIGNED NULL,
  evaluator_name VARCHAR(50) NULL,
  rating TINYINT UNSIGNED NOT NULL COMMENT '1 to 5',
  content TEXT NULL,
  is_anonymous TINYINT(1) NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_activity_evaluations_activity (activity_id),
  CONSTRAINT ck_activity_evaluations_rating CHECK (rating BETWEEN 1 AND 5),
  CONSTRAINT fk_activity_evaluations_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE,
  CONSTRAINT fk_activity_evaluations_registration FOREIGN KEY (registration_id) REFERENCES activity_registrations (id) ON DELETE SET NULL,
  CONSTRAINT fk_activity_evaluations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The term's activity calendar: planned, approved, then turned into an activity.
CREATE TABLE activity_plans (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  academic_year VARCHAR(9) NULL,
  planned_date DATE NULL,
  type ENUM('open_day','parent_child','festival','outdoor','lecture','performance','other') NOT NULL DEFAULT 'other',
  objectives TEXT NULL,
  budget DECIMAL(12,2) NULL,
  status ENUM('draft','submitted','approved','rejected','done') NOT NULL DEFAULT 'draft',
  activity_id BIGINT UNSIGNED NULL,
  created_by BIGINT UNSIGNED NULL,
  approved_by BIGINT UNSIGNED NULL,
  approved_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_activity_plans_date (planned_date),
  KEY idx_activity_plans_status (status),
  CONSTRAINT fk_activity_plans_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE SET NULL,
  CONSTRAINT fk_activity_plans_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_activity_plans_approved_by FOREIGN KEY (approved_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The agenda of an activity.
CREATE TABLE activity_arrangements (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  sort_order INT NOT NULL DEFAULT 0,
  title VARCHAR(200) NOT NULL,
  description TEXT NULL,
  start_time DATETIME(3) NULL,
  end_time DATETIME(3) NULL,
  location VARCHAR(200) NULL,
  responsible_user_id BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_activity_arrangements_activity (activity_id, sort_order),
  CONSTRAINT fk_activity_arrangements_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE,
  CONSTRAINT fk_activity_arrangements_responsible FOREIGN KEY (responsible_user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE activity_resources (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  resource_type ENUM('material','venue','equipment','budget','document','other') NOT NULL DEFAULT 'material',
  name VARCHAR(200) NOT NULL,
  quantity DECIMAL(10,2) NOT NULL DEFAULT 1,
  unit VARCHAR(20) NULL,
  cost DECIMAL(12,2) NULL,
  url VARCHAR(500) NULL,
  status ENUM('needed','prepared','returned') NOT NULL DEFAULT 'needed',
  remark VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_activity_resources_activity (activity_id),
  CONSTRAINT fk_activity_resources_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE activity_staff (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  role VARCHAR(50) NOT NULL DEFAULT 'helper' COMMENT 'e.g. lead, host, photographer, helper',
  duty VARCHAR(255) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_activity_staff_activity_user (activity_id, user_id),
  KEY idx_activity_staff_user (user_id),
  CONSTRAINT fk_activity_staff_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE,
  CONSTRAINT fk_activity_staff_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Share links of an activity, counted so staff see which shares bring sign-ups.
CREATE TABLE activity_shares (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  activity_id BIGINT UNSIGNED NOT NULL,
  shared_by BIGINT UNSIGNED NULL,
  share_code VARCHAR(32) NOT NULL,
  channel ENUM('wechat','moments','qrcode','link','other') NOT NULL DEFAULT 'link',
  view_count INT UNSIGNED NOT NULL DEFAULT 0,
  registration_count INT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_activity_shares_code (share_code),
  KEY idx_activity_shares_activity (activity_id),
  CONSTRAINT fk_activity_shares_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE CASCADE,
  CONSTRAINT fk_activity_shares_shared_by FOREIGN KEY (shared_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
