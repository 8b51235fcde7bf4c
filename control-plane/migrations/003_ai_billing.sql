-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: c9ccd9693769726969901610e0f95a41e3b429f30a50d8ec62788c9c047743a8

-- AI models and their use, plans and billing.
CREATE TABLE ai_model_config (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  model_type ENUM('text','image','audio','multimodal','embedding') NOT NULL DEFAULT 'text',
  provider VARCHAR(50) NOT NULL,
  endpoint_url VARCHAR(500) NOT NULL,
  api_key TEXT NULL COMMENT 'encrypted with MASTER_KEY; never returned by the API',
  model_parameters JSON NULL,
  input_price_per_1k DECIMAL(12,6) NOT NULL DEFAULT 0,
  output_price_per_1k DECIMAL(12,6) NOT NULL DEFAULT 0,
  is_default TINYINT(1) NOT NULL DEFAULT 0,
  status ENUM('active','inactive','deprecated') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_model_config_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tenant_ai_model_configs (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id INT UNSIGNED NOT NULL,
  model_id INT UNSIGNED NOT NULL,
  is_enabled TINYINT(1) NOT NULL DEFAULT 1,
  priority INT NOT NULL DEFAULT 0,
  custom_parameters JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_tenant_ai_model (tenant_id, model_id),
  CONSTRAINT fk_tamc_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (id),
  CONSTRAINT fk_tamc_model FOREIGN KEY (model_id) REFERENCES ai_model_config (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ai_service_call_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id INT UNSIGNED NOT NULL,
  user_id VARCHAR(255) NULL,
  model_id INT UNSIGNED NULL,
  request_id VARCHAR(255) NOT NULL,
  session_id VARCHAR(255) NULL,
  call_type ENUM('chat','completion','embedding') NOT NULL DEFAULT 'chat',
  input_tokens INT UNSIGNED NOT NULL DEFAULT 0,
  output_tokens INT UNSIGNED NOT NULL DEFAULT 0,
  total_tokens INT UNSIGNED NOT NULL DEFAULT 0,
  cost DECIMAL(12,6) NOT NULL DEFAULT 0,
  response_time INT UNSIGNED NULL COMMENT 'ms',
  status ENUM('success','error','timeout') NOT NULL,
  error_message TEXT NULL,
  user_agent TEXT NULL,
  ip_address VARCHAR(64) NULL,
  metadata JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_call_request (request_id),
  KEY idx_ai_call_tenant_time (tenant_id, created_at),
  KEY idx_ai_call_time (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE tenant_ai_usage_summary (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id INT UNSIGNED NOT NULL,
  model_id INT UNSIGNED NOT NULL,
  date DATE NOT NULL,
  total_calls INT UNSIGNED NOT NULL DEFAULT 0,
  total_input_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
  total_output_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
  total_cost DECIMAL(14,6) NOT NULL DEFAULT 0,
  average_response_time INT UNSIGNED NOT NULL DEFAULT 0,
  success_rate DECIMAL(5,4) NOT NULL DEFAULT 0,
  error_count INT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_usage_tenant_model_date (tenant_id, model_id, date),
  KEY idx_usage_date (date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One rule per plan: quotas and prices.
CREATE TABLE billing_rules (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  plan_type ENUM('basic','standard','premium','enterprise') NOT NULL,
  display_name VARCHAR(100) NOT NULL,
  base_fee_monthly DECIMAL(12,2) NOT NULL DEFAULT 0,
  max_users INT UNSIGNED NOT NULL,
  max_storage_mb INT UNSIGNED NOT NULL,
  monthly_ai_tokens BIGINT UNSIGNED NOT NULL,
  ai_rate_limit_per_minute INT UNSIGNED NOT NULL,
  overage_price_per_1k_tokens DECIMAL(12,6) NOT NULL DEFAULT 0,
  initial_balance DECIMAL(14,4) NOT NULL DEFAULT 0,
  credit_limit DECIMAL(14,4) NOT NULL DEFAULT 0,
  status ENUM('active','inactive') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_billing_rules_plan (plan_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO billing_rules
  (plan_type, display_name, base_fee_monthly, max_users, max_storage_mb, monthly_ai_tokens, ai_rate_limit_per_minute, overage_price_per_1k_tokens, initial_balance, credit_limit)
VALUES
  ('basic', 'Basic', 99.00, 20, 5120, 1000000, 100, 0.020000, 0, 50),
  ('standard', 'Standard', 299.00, 100, 20480, 5000000, 200, 0.015000, 0, 200),
  ('premium', 'Premium', 799.00, 500, 102400, 20000000, 500, 0.010000, 0, 1000),
  ('enterprise', 'Enterprise', 1999.00, 5000, 1048576, 100000000, 1000, 0.008000, 0, 5000);

CREATE TABLE tenant_billing_rules (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(50) NOT NULL,
  rule_id INT UNSIGNED NOT NULL,
  overrides JSON NULL,
  effective_from DATE NOT NULL,
  effective_to DATE NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_tbr_tenant (tenant_id, effective_from),
  CONSTRAINT fk_tbr_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id),
  CONSTRAINT fk_tbr_rule FOREIGN KEY (rule_id) REFERENCES billing_rules (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE billing_records (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(50) NOT NULL,
  period_start DATE NOT NULL,
  period_end DATE NOT NULL,
  base_fee DECIMAL(12,2) NOT NULL DEFAULT 0,
  overage_fee DECIMAL(12,4) NOT NULL DEFAULT 0,
  total_amount DECIMAL(12,4) NOT NULL DEFAULT 0,
  status ENUM('draft','issued','paid','overdue') NOT NULL DEFAULT 'issued',
  details JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_billing_records_period (tenant_id, period_start),
  CONSTRAINT fk_billing_records_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE recharge_cards (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(64) NOT NULL,
  batch_id VARCHAR(64) NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  status ENUM('unused','used','disabled') NOT NULL DEFAULT 'unused',
  used_by VARCHAR(50) NULL,
  used_at DATETIME(3) NULL,
  expiry_date DATETIME(3) NOT NULL,
  created_by INT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_recharge_cards_code (code),
  KEY idx_recharge_cards_batch (batch_id),
  CONSTRAINT fk_recharge_cards_tenant FOREIGN KEY (used_by) REFERENCES tenants (tenant_id),
  CONSTRAINT fk_recharge_cards_creator FOREIGN KEY (created_by) REFERENCES admin_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
