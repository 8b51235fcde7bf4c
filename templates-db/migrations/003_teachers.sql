-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 29ceead49597885ad93b7099cd395613b3ff2134d9c243eed770cce859c49ac5
-- Group 3 of the tenant schema: teaching staff and who teaches which class.
-- user_id links a teacher to their sign-in account when they have one.
CREATE TABLE teachers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NULL,
  employee_no VARCHAR(30) NULL,
  name VARCHAR(50) NOT NULL,
  gender ENUM('male','female') NULL,
  phone VARCHAR(20) NOT NULL,
  email VARCHAR(255) NULL,
  title VARCHAR(50) NULL COMMENT 'e.g. head teacher, assistant teacher, caregiver',
  qualification VARCHAR(100) NULL,
  hire_date DATE NULL,
  status ENUM('active','on_leave','resigned') NOT NULL DEFAULT 'active',
  remark VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_teachers_user (user_id),
  UNIQUE KEY uk_teachers_phone (phone),
  UNIQUE KEY uk_teachers_employee_no (employee_no),
  KEY idx_teachers_status (status),
  KEY idx_teachers_name (name),
  CONSTRAINT fk_teachers_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE class_teachers (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  class_id BIGINT UNSIGNED NOT NULL,
  teacher_id BIGINT UNSIGNED NOT NULL,
  role ENUM('head','assistant','caregiver') NOT NULL DEFAULT 'head',
  start_date DATE NULL,
  end_date DATE NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_class_teachers_class_teacher (class_id, teacher_id),
  KEY idx_class_teachers_teacher (teacher_id),
  CONSTRAINT fk_class_teachers_class FOREIGN KEY (class_id) REFERENCES classes (id) ON DELETE CASCADE,
  CONSTRAINT fk_class_teachers_teacher FOREIGN KEY (teacher_id) REFERENCES teachers (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
