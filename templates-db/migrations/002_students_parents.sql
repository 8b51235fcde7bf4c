-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 630cba6bfe9183709b2e00189fcb2466f4e438d30481984a8da118c9759504c1
-- Group 2 of the tenant schema: classes, children and their families.
-- grade is the kindergarten age group: nursery (托班, 2-3), small (小班, 3-4), middle (中班, 4-5),
-- large (大班, 5-6), mixed (混龄).
CREATE TABLE classes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  code VARCHAR(30) NULL,
  grade ENUM('nursery','small','middle','large','mixed') NOT NULL,
  academic_year VARCHAR(9) NOT NULL COMMENT 'e.g. 2025-2026',
  capacity SMALLINT UNSIGNED NOT NULL DEFAULT 30,
  room VARCHAR(50) NULL,
  status ENUM('active','archived') NOT NULL DEFAULT 'active',
  description VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_classes_year_name (academic_year, name),
  UNIQUE KEY uk_classes_code (code),
  KEY idx_classes_grade (grade),
  KEY idx_classes_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A class that still has students cannot be deleted (RESTRICT): move or archive them first.
CREATE TABLE students (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  student_no VARCHAR(30) NULL,
  name VARCHAR(50) NOT NULL,
  gender ENUM('male','female') NOT NULL,
  birth_date DATE NOT NULL,
  class_id BIGINT UNSIGNED NULL,
  status ENUM('active','on_leave','graduated','withdrawn') NOT NULL DEFAULT 'active',
  enrollment_date DATE NULL,
  leave_date DATE NULL,
  id_card_no VARCHAR(18) NULL,
  address VARCHAR(255) NULL,
  allergies VARCHAR(500) NULL,
  health_notes TEXT NULL,
  avatar_url VARCHAR(500) NULL,
  remark VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_students_student_no (student_no),
  KEY idx_students_class (class_id),
  KEY idx_students_status (status),
  KEY idx_students_name (name),
  CONSTRAINT fk_students_class FOREIGN KEY (class_id) REFERENCES classes (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A parent is a contact, not necessarily a user; user_id is set once they get an account.
-- The relation to each child (father, mother, ...) lives in parent_student_relations.
CREATE TABLE parents (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NULL,
  name VARCHAR(50) NOT NULL,
  phone VARCHAR(20) NOT NULL,
  email VARCHAR(255) NULL,
  wechat VARCHAR(50) NULL,
  occupation VARCHAR(100) NULL,
  workplace VARCHAR(200) NULL,
  address VARCHAR(255) NULL,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  remark VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_parents_phone (phone),
  UNIQUE KEY uk_parents_user (user_id),
  KEY idx_parents_name (name),
  CONSTRAINT fk_parents_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE parent_student_relations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id BIGINT UNSIGNED NOT NULL,
  student_id BIGINT UNSIGNED NOT NULL,
  relationship ENUM('father','mother','guardian','other') NOT NULL,
  is_primary TINYINT(1) NOT NULL DEFAULT 0 COMMENT 'first contact for this child',
  can_pick_up TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_psr_parent_student (parent_id, student_id),
  KEY idx_psr_student (student_id),
  CONSTRAINT fk_psr_parent FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE,
  CONSTRAINT fk_psr_student FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
