-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 1632e8e8c5bd2327f28ea4ce5ffd48059120218ebc83e2e6395dd3966e129fec
-- Group 4 of the tenant schema: enrollment, from first consultation to admission notice.
-- The flow: consultation -> application -> (interview) -> review -> admission result -> notification.

-- Acquisition channels. The original design files them under marketing (group 6); they are created here
-- because consultations, applications and channel tracking already point at them.
CREATE TABLE channels (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(50) NOT NULL,
  name VARCHAR(100) NOT NULL,
  type ENUM('online','offline','referral','advertising','walk_in','other') NOT NULL DEFAULT 'other',
  description VARCHAR(500) NULL,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_channels_code (code),
  KEY idx_channels_type (type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE enrollment_plans (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  year SMALLINT UNSIGNED NOT NULL,
  term ENUM('spring','autumn') NOT NULL DEFAULT 'autumn',
  target_count INT UNSIGNED NOT NULL DEFAULT 0,
  start_date DATE NOT NULL,
  end_date DATE NOT NULL,
  min_age_months SMALLINT UNSIGNED NULL,
  max_age_months SMALLINT UNSIGNED NULL,
  description TEXT NULL,
  status ENUM('draft','active','closed','cancelled') NOT NULL DEFAULT 'draft',
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_enrollment_plans_year_term (year, term),
  KEY idx_enrollment_plans_status (status),
  CONSTRAINT fk_enrollment_plans_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Places of a plan per age group (and optionally per class).
CREATE TABLE enrollment_quotas (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_id BIGINT UNSIGNED NOT NULL,
  grade ENUM('nursery','small','middle','large','mixed') NOT NULL,
  class_id BIGINT UNSIGNED NULL,
  quota INT UNSIGNED NOT NULL DEFAULT 0,
  reserved_count INT UNSIGNED NOT NULL DEFAULT 0,
  admitted_count INT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_enrollment_quotas_plan_grade (plan_id, grade),
  CONSTRAINT fk_enrollment_quotas_plan FOREIGN KEY (plan_id) REFERENCES enrollment_plans (id) ON DELETE CASCADE,
  CONSTRAINT fk_enrollment_quotas_class FOREIGN KEY (class_id) REFERENCES classes (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A plan with applications cannot be deleted (RESTRICT): close or cancel it instead.
-- One application per child and parent phone per plan.
CREATE TABLE enrollment_applications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  application_no VARCHAR(32) NULL,
  plan_id BIGINT UNSIGNED NOT NULL,
  child_name VARCHAR(50) NOT NULL,
  child_gender ENUM('male','female') NOT NULL,
  child_birth_date DATE NOT NULL,
  child_id_card_no VARCHAR(18) NULL,
  desired_grade ENUM('nursery','small','middle','large','mixed') NULL,
  parent_name VARCHAR(50) NOT NULL,
  parent_phone VARCHAR(20) NOT NULL,
  parent_relationship ENUM('father','mother','guardian','other') NULL,
  parent_email VARCHAR(255) NULL,
  address VARCHAR(255) NULL,
  channel_id BIGINT UNSIGNED NULL,
  student_id BIGINT UNSIGNED NULL COMMENT 'the student record created on admission',
  status ENUM('pending','reviewing','approved','rejected','withdrawn') NOT NULL DEFAULT 'pending',
  submitted_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  reviewed_by BIGINT UNSIGNED NULL,
  review_comment VARCHAR(1000) NULL,
  reviewed_at DATETIME(3) NULL,
  remark VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_enrollment_applications_no (application_no),
  UNIQUE KEY uk_enrollment_applications_child (plan_id, parent_phone, child_name),
  KEY idx_enrollment_applications_status (status),
  KEY idx_enrollment_applications_phone (parent_phone),
  CONSTRAINT fk_enrollment_applications_plan FOREIGN KEY (plan_id) REFERENCES enrollment_plans (id),
  CONSTRAINT fk_enrollment_applications_channel FOREIGN KEY (channel_id) REFERENCES channels (id) ON DELETE SET NULL,
  CONSTRAINT fk_enrollment_applications_student FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE SET NULL,
  CONSTRAINT fk_enrollment_applications_reviewed_by FOREIGN KEY (reviewed_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Leads: a family asking about the kindergarten, before (or without) applying.
CREATE TABLE enrollment_consultations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_id BIGINT UNSIGNED NULL,
  parent_name VARCHAR(50) NOT NULL,
  parent_phone VARCHAR(20) NOT NULL,
  child_name VARCHAR(50) NULL,
  child_gender ENUM('male','female') NULL,
  child_birth_date DATE NULL,
  channel_id BIGINT UNSIGNED NULL,
  consultant_id BIGINT UNSIGNED NULL,
  consult_type ENUM('phone','visit','online','wechat','other') NOT NULL DEFAULT 'phone',
  content TEXT NULL,
  intention ENUM('high','medium','low','none') NOT NULL DEFAULT 'medium',
  status ENUM('new','following','converted','closed') NOT NULL DEFAULT 'new',
  next_followup_at DATETIME(3) NULL,
  application_id BIGINT UNSIGNED NULL COMMENT 'set when the lead converts to an application',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_enrollment_consultations_phone (parent_phone),
  KEY idx_enrollment_consultations_status (status, next_followup_at),
  CONSTRAINT fk_enrollment_consultations_plan FOREIGN KEY (plan_id) REFERENCES enrollment_plans (id) ON DELETE SET NULL,
  CONSTRAINT fk_enrollment_consultations_channel FOREIGN KEY (channel_id) REFERENCES channels (id) ON DELETE SET NULL,
  CONSTRAINT fk_enrollment_consultations_consultant FOREIGN KEY (consultant_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_enrollment_consultations_application FOREIGN KEY (application_id) REFERENCES enrollment_applications (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE enrollment_consultation_followups (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  consultation_id BIGINT UNSIGNED NOT NULL,
  followed_by BIGINT UNSIGNED NULL,
  method ENUM('phone','visit','online','wechat','sms','other') NOT NULL DEFAULT 'phone',
  content TEXT NOT NULL,
  result VARCHAR(255) NULL,
  intention ENUM('high','medium','low','none') NULL,
  next_followup_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_ecf_consultation (consultation_id, created_at),
  CONSTRAINT fk_ecf_consultation FOREIGN KEY (consultation_id) REFERENCES enrollment_consultations (id) ON DELETE CASCADE,
  CONSTRAINT fk_ecf_followed_by FOREIGN KEY (followed_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE enrollment_tasks (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_id BIGINT UNSIGNED NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NULL,
  assignee_id BIGINT UNSIGNED NULL,
  creator_id BIGINT UNSIGNED NULL,
  target_count INT UNSIGNED NOT NULL DEFAULT 0,
  completed_count INT UNSIGNED NOT NULL DEFAULT 0,
  priority ENUM('low','medium','high','urgent') NOT NULL DEFAULT 'medium',
  status ENUM('pending','in_progress','completed','cancelled') NOT NULL DEFAULT 'pending',
  due_date DATE NULL,
  completed_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_enrollment_tasks_status (status, due_date),
  CONSTRAINT fk_enrollment_tasks_plan FOREIGN KEY (plan_id) REFERENCES enrollment_plans (id) ON DELETE SET NULL,
  CONSTRAINT fk_enrollment_tasks_assignee FOREIGN KEY (assignee_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_enrollment_tasks_creator FOREIGN KEY (creator_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE enrollment_interviews (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  application_id BIGINT UNSIGNED NOT NULL,
  interviewer_id BIGINT UNSIGNED NULL,
  scheduled_at DATETIME(3) NOT NULL,
  location VARCHAR(200) NULL,
  status ENUM('scheduled','completed','cancelled','no_show') NOT NULL DEFAULT 'scheduled',
  score DECIMAL(5,2) NULL,
  result ENUM('pass','fail','pending') NULL,
  evaluation TEXT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_enrollment_interviews_application (application_id),
  KEY idx_enrollment_interviews_scheduled (scheduled_at),
  CONSTRAINT fk_enrollment_interviews_application FOREIGN KEY (application_id) REFERENCES enrollment_applications (id) ON DELETE CASCADE,
  CONSTRAINT fk_enrollment_interviews_interviewer FOREIGN KEY (interviewer_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The decision on an application: at most one per application. An application that has a
-- result cannot be deleted (RESTRICT).
CREATE TABLE admission_results (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  application_id BIGINT UNSIGNED NOT NULL,
  result ENUM('admitted','waitlisted','rejected') NOT NULL,
  class_id BIGINT UNSIGNED NULL,
  student_id BIGINT UNSIGNED NULL,
  decided_by BIGINT UNSIGNED NULL,
  decided_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  confirm_deadline DATE NULL COMMENT 'the family must confirm the place by this date',
  confirmed_at DATETIME(3) NULL,
  remark VARCHAR(500) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_admission_results_application (application_id),
  KEY idx_admission_results_result (result),
  CONSTRAINT fk_admission_results_application FOREIGN KEY (application_id) REFERENCES enrollment_applications (id),
  CONSTRAINT fk_admission_results_class FOREIGN KEY (class_id) REFERENCES classes (id) ON DELETE SET NULL,
  CONSTRAINT fk_admission_results_student FOREIGN KEY (student_id) REFERENCES students (id) ON DELETE SET NULL,
  CONSTRAINT fk_admission_results_decided_by FOREIGN KEY (decided_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE admission_notifications (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  result_id BIGINT UNSIGNED NOT NULL,
  channel ENUM('sms','email','wechat','in_app','letter') NOT NULL DEFAULT 'sms',
  recipient VARCHAR(255) NOT NULL COMMENT 'phone number, e-mail address or user id, by channel',
  title VARCHAR(200) NULL,
  content TEXT NOT NULL,
  status ENUM('pending','sent','failed','read') NOT NULL DEFAULT 'pending',
  sent_at DATETIME(3) NULL,
  read_at DATETIME(3) NULL,
  error_message VARCHAR(500) NULL,
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_admission_notifications_result (result_id),
  KEY idx_admission_notifications_status (status),
  CONSTRAINT fk_admission_notifications_result FOREIGN KEY (result_id) REFERENCES admission_results (id) ON DELETE CASCADE,
  CONSTRAINT fk_admission_notifications_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Funnel events per channel (visit -> consultation -> application -> admission).
CREATE TABLE channel_tracking (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  channel_id BIGINT UNSIGNED NOT NULL,
  plan_id BIGINT UNSIGNED NULL,
  event_type ENUM('visit','consultation','application','admission') NOT NULL,
  visitor_id VARCHAR(64) NULL,
  consultation_id BIGINT UNSIGNED NULL,
  application_id BIGINT UNSIGNED NULL,
  utm_source VARCHAR(100) NULL,
  utm_medium VARCHAR(100) NULL,
  utm_campaign VARCHAR(100) NULL,
  landing_url VARCHAR(500) NULL,
  ip_address VARCHAR(45) NULL,
  user_agent VARCHAR(500) NULL,
  occurred_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_channel_tracking_channel (channel_id, event_type, occurred_at),
  CONSTRAINT fk_channel_tracking_channel FOREIGN KEY (channel_id) REFERENCES channels (id) ON DELETE CASCADE,
  CONSTRAINT fk_channel_tracking_plan FOREIGN KEY (plan_id) REFERENCES enrollment_plans (id) ON DELETE SET NULL,
  CONSTRAINT fk_channel_tracking_consultation FOREIGN KEY (consultation_id) REFERENCES enrollment_consultations (id) ON DELETE SET NULL,
  CONSTRAINT fk_channel_tracking_application FOREIGN KEY (application_id) REFERENCES enrollment_applications (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
