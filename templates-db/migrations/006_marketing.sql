-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 6ddd1c03fc32ac264928e40b51e48b40aeb8b974fb9ab56be3a62cb7d5d17508
-- Group 6 of the tenant schema: marketing. `channels` is created in 004_enrollment.

CREATE TABLE marketing_campaigns (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  type ENUM('enrollment','activity','referral','promotion','brand','other') NOT NULL DEFAULT 'enrollment',
  channel_id BIGINT UNSIGNED NULL,
  plan_id BIGINT UNSIGNED NULL,
  activity_id BIGINT UNSIGNED NULL,
  description TEXT NULL,
  budget DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  spent DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  target_leads INT UNSIGNED NULL,
  start_date DATE NULL,
  end_date DATE NULL,
  status ENUM('draft','active','paused','ended') NOT NULL DEFAULT 'draft',
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_marketing_campaigns_status (status, start_date),
  CONSTRAINT fk_marketing_campaigns_channel FOREIGN KEY (channel_id) REFERENCES channels (id) ON DELETE SET NULL,
  CONSTRAINT fk_marketing_campaigns_plan FOREIGN KEY (plan_id) REFERENCES enrollment_plans (id) ON DELETE SET NULL,
  CONSTRAINT fk_marketing_campaigns_activity FOREIGN KEY (activity_id) REFERENCES activities (id) ON DELETE SET NULL,
  CONSTRAINT fk_marketing_campaigns_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE advertisements (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id BIGINT UNSIGNED NULL,
  channel_id BIGINT UNSIGNED NULL,
  title VARCHAR(200) NOT NULL,
  content TEXT NULL,
  media_url VARCHAR(500) NULL,
  landing_url VARCHAR(500) NULL,
  placement VARCHAR(100) NULL,
  budget DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  impressions BIGINT UNSIGNED NOT NULL DEFAULT 0,
  clicks BIGINT UNSIGNED NOT NULL DEFAULT 0,
  start_at DATETIME(3) NULL,
  end_at DATETIME(3) NULL,
  status ENUM('draft','active','paused','ended') NOT NULL DEFAULT 'draft',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_advertisements_status (status),
  CONSTRAINT fk_advertisements_campaign FOREIGN KEY (campaign_id) REFERENCES marketing_campaigns (id) ON DELETE SET NULL,
  CONSTRAINT fk_advertisements_channel FOREIGN KEY (channel_id) REFERENCES channels (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- value: amount off (type amount) or percent off (type percent).
CREATE TABLE coupons (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(32) NOT NULL,
  name VARCHAR(100) NOT NULL,
  campaign_id BIGINT UNSIGNED NULL,
  type ENUM('amount','percent') NOT NULL DEFAULT 'amount',
  value DECIMAL(10,2) NOT NULL,
  min_amount DECIMAL(10,2) NOT NULL DEFAULT 0.00,
  total_count INT UNSIGNED NULL COMMENT 'NULL: unlimited',
  issued_count INT UNSIGNED NOT NULL DEFAULT 0,
  used_count INT UNSIGNED NOT NULL DEFAULT 0,
  valid_from DATETIME(3) NULL,
  valid_until DATETIME(3) NULL,
  status ENUM('active','inactive','expired') NOT NULL DEFAULT 'active',
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_coupons_code (code),
  KEY idx_coupons_status (status, valid_until),
  CONSTRAINT fk_coupons_campaign FOREIGN KEY (campaign_id) REFERENCES marketing_campaigns (id) ON DELETE SET NULL,
  CONSTRAINT fk_coupons_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A code belongs to a parent (families inviting families) or to a staff user.
CREATE TABLE referral_codes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(32) NOT NULL,
  owner_type ENUM('parent','user') NOT NULL,
  parent_id BIGINT UNSIGNED NULL,
  user_id BIGINT UNSIGNED NULL,
  campaign_id BIGINT UNSIGNED NULL,
  usage_count INT UNSIGNED NOT NULL DEFAULT 0,
  max_uses INT UNSIGNED NULL COMMENT 'NULL: unlimited',
  expires_at DATETIME(3) NULL,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_referral_codes_code (code),
  CONSTRAINT fk_referral_codes_parent FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE,
  CONSTRAINT fk_referral_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_referral_codes_campaign FOREIGN KEY (campaign_id) REFERENCES marketing_campaigns (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Who came through which code; a phone counts once per code.
CREATE TABLE referral_relationships (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  referral_code_id BIGINT UNSIGNED NOT NULL,
  referee_name VARCHAR(50) NULL,
  referee_phone VARCHAR(20) NOT NULL,
  referee_parent_id BIGINT UNSIGNED NULL,
  application_id BIGINT UNSIGNED NULL,
  status ENUM('registered','applied','enrolled','invalid') NOT NULL DEFAULT 'registered',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_referral_relationships_code_phone (referral_code_id, referee_phone),
  KEY idx_referral_relationships_phone (referee_phone),
  CONSTRAINT fk_referral_relationships_code FOREIGN KEY (referral_code_id) REFERENCES referral_codes (id) ON DELETE CASCADE,
  CONSTRAINT fk_referral_relationships_referee FOREIGN KEY (referee_parent_id) REFERENCES parents (id) ON DELETE SET NULL,
  CONSTRAINT fk_referral_relationships_application FOREIGN KEY (application_id) REFERENCES enrollment_applications (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE referral_rewards (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  relationship_id BIGINT UNSIGNED NOT NULL,
  recipient_parent_id BIGINT UNSIGNED NULL,
  recipient_user_id BIGINT UNSIGNED NULL,
  reward_type ENUM('cash','coupon','points','gift') NOT NULL,
  amount DECIMAL(10,2) NULL,
  coupon_id BIGINT UNSIGNED NULL,
  description VARCHAR(255) NULL,
  status ENUM('pending','granted','cancelled') NOT NULL DEFAULT 'pending',
  granted_by BIGINT UNSIGNED NULL,
  granted_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_referral_rewards_status (status),
  CONSTRAINT fk_referral_rewards_relationship FOREIGN KEY (relationship_id) REFERENCES referral_relationships (id) ON DELETE CASCADE,
  CONSTRAINT fk_referral_rewards_parent FOREIGN KEY (recipient_parent_id) REFERENCES parents (id) ON DELETE SET NULL,
  CONSTRAINT fk_referral_rewards_user FOREIGN KEY (recipient_user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_referral_rewards_coupon FOREIGN KEY (coupon_id) REFERENCES coupons (id) ON DELETE SET NULL,
  CONSTRAINT fk_referral_rewards_granted_by FOREIGN KEY (granted_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Funnel stages attributed to a campaign, ad or referral code.
CREATE TABLE conversion_tracking (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  campaign_id BIGINT UNSIGNED NULL,
  channel_id BIGINT UNSIGNED NULL,
  advertisement_id BIGINT UNSIGNED NULL,
  referral_code_id BIGINT UNSIGNED NULL,
  stage ENUM('visit','lead','consultation','application','admission','enrolled') NOT NULL,
  visitor_id VARCHAR(64) NULL,
  parent_phone VARCHAR(20) NULL,
  consultation_id BIGINT UNSIGNED NULL,
  application_id BIGINT UNSIGNED NULL,
  value DECIMAL(12,2) NULL,
  occurred_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_conversion_tracking_campaign (campaign_id, stage, occurred_at),
  KEY idx_conversion_tracking_stage (stage, occurred_at),
  CONSTRAINT fk_conversion_tracking_campaign FOREIGN KEY (campaign_id) REFERENCES marketing_campaigns (id) ON DELETE SET NULL,
  CONSTRAINT fk_conversion_tracking_channel FOREIGN KEY (channel_id) REFERENCES channels (id) ON DELETE SET NULL,
  CONSTRAINT fk_conversion_tracking_ad FOREIGN KEY (advertisement_id) REFERENCES advertisements (id) ON DELETE SET NULL,
  CONSTRAINT fk_conversion_tracking_referral FOREIGN KEY (referral_code_id) REFERENCES referral_codes (id) ON DELETE SET NULL,
  CONSTRAINT fk_conversion_tracking_consultation FOREIGN KEY (consultation_id) REFERENCES enrollment_consultations (id) ON DELETE SET NULL,
  CONSTRAINT fk_conversion_tracking_application FOREIGN KEY (application_id) REFERENCES enrollment_applications (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
