-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: fb3fdfd6c9268add81fc5cf388cb94c6e9f483af0bc7ebd052695fd5fbb3550b
-- Group 8 of the tenant schema: the AI assistant inside a tenant. Answers come from the control plane's
-- AI assistant; provider keys and endpoints never reach a tenant database.

-- The tenant's copy of the models it may use (provisioning step 5 copies the defaults).
-- global_model_id is admin_tenant_management.ai_model_config.id.
CREATE TABLE ai_model_config (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  global_model_id INT UNSIGNED NULL,
  name VARCHAR(100) NOT NULL,
  display_name VARCHAR(200) NOT NULL,
  model_type ENUM('text','image','audio','multimodal','embedding') NOT NULL DEFAULT 'text',
  provider VARCHAR(50) NOT NULL,
  model_parameters JSON NULL,
  input_price_per_1k DECIMAL(12,6) NOT NULL DEFAULT 0,
  output_price_per_1k DECIMAL(12,6) NOT NULL DEFAULT 0,
  is_default TINYINT(1) NOT NULL DEFAULT 0,
  is_enabled TINYINT(1) NOT NULL DEFAULT 1,
  priority INT NOT NULL DEFAULT 0,
  status ENUM('active','inactive','deprecated') NOT NULL DEFAULT 'active',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_model_config_name (name),
  UNIQUE KEY uk_ai_model_config_global (global_model_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ai_conversations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  title VARCHAR(200) NOT NULL DEFAULT '',
  model VARCHAR(100) NULL,
  system_prompt TEXT NULL,
  status ENUM('active','archived') NOT NULL DEFAULT 'active',
  message_count INT UNSIGNED NOT NULL DEFAULT 0,
  total_tokens INT UNSIGNED NOT NULL DEFAULT 0,
  last_message_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_ai_conversations_user (user_id, status, updated_at),
  CONSTRAINT fk_ai_conversations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ai_messages (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  conversation_id BIGINT UNSIGNED NOT NULL,
  role ENUM('system','user','assistant') NOT NULL,
  content MEDIUMTEXT NOT NULL,
  tokens INT UNSIGNED NOT NULL DEFAULT 0,
  model VARCHAR(100) NULL,
  request_id VARCHAR(64) NULL COMMENT 'the AI bridge call that produced it',
  finish_reason VARCHAR(30) NULL,
  metadata JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_ai_messages_conversation (conversation_id, id),
  CONSTRAINT fk_ai_messages_conversation FOREIGN KEY (conversation_id) REFERENCES ai_conversations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per call, as the tenant sees it (the control plane keeps the billing record of truth).
CREATE TABLE ai_model_usage (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  request_id VARCHAR(64) NOT NULL,
  model_id INT UNSIGNED NULL,
  model VARCHAR(100) NULL,
  user_id BIGINT UNSIGNED NULL,
  conversation_id BIGINT UNSIGNED NULL,
  usage_type ENUM('chat','completion','embedding','query') NOT NULL DEFAULT 'chat',
  input_tokens INT UNSIGNED NOT NULL DEFAULT 0,
  output_tokens INT UNSIGNED NOT NULL DEFAULT 0,
  total_tokens INT UNSIGNED NOT NULL DEFAULT 0,
  cost DECIMAL(12,6) NOT NULL DEFAULT 0,
  latency_ms INT UNSIGNED NULL,
  status ENUM('success','error','timeout') NOT NULL DEFAULT 'success',
  error_message VARCHAR(1000) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_model_usage_request (request_id),
  KEY idx_ai_model_usage_user (user_id, created_at),
  KEY idx_ai_model_usage_created (created_at),
  CONSTRAINT fk_ai_model_usage_model FOREIGN KEY (model_id) REFERENCES ai_model_config (id) ON DELETE SET NULL,
  CONSTRAINT fk_ai_model_usage_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_ai_model_usage_conversation FOREIGN KEY (conversation_id) REFERENCES ai_conversations (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Daily cost per model, rolled up from ai_model_usage (re-running a day overwrites it).
CREATE TABLE ai_model_billing (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  model_id INT UNSIGNED NOT NULL,
  billing_date DATE NOT NULL,
  total_calls INT UNSIGNED NOT NULL DEFAULT 0,
  input_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
  output_tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
  total_cost DECIMAL(14,6) NOT NULL DEFAULT 0,
  status ENUM('pending','confirmed','paid') NOT NULL DEFAULT 'pending',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_model_billing_model_date (model_id, billing_date),
  KEY idx_ai_model_billing_date (billing_date),
  CONSTRAINT fk_ai_model_billing_model FOREIGN KEY (model_id) REFERENCES ai_model_config (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What the assistant remembers about a user across conversations.
CREATE TABLE ai_memories (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  conversation_id BIGINT UNSIGNED NULL,
  memory_type ENUM('fact','preference','context','summary') NOT NULL DEFAULT 'fact',
  content TEXT NOT NULL,
  importance TINYINT UNSIGNED NOT NULL DEFAULT 5,
  expires_at DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY idx_ai_memories_user (user_id, memory_type),
  CONSTRAINT fk_ai_memories_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_ai_memories_conversation FOREIGN KEY (conversation_id) REFERENCES ai_conversations (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ai_feedback (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  message_id BIGINT UNSIGNED NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  rating ENUM('up','down') NOT NULL,
  comment VARCHAR(1000) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_feedback_message_user (message_id, user_id),
  KEY idx_ai_feedback_user (user_id),
  CONSTRAINT fk_ai_feedback_message FOREIGN KEY (message_id) REFERENCES ai_messages (id) ON DELETE CASCADE,
  CONSTRAINT fk_ai_feedback_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per-user limits on AI features (chat, query, poster, ...); NULL limits mean the plan's.
CREATE TABLE ai_user_permissions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  feature VARCHAR(50) NOT NULL,
  is_allowed TINYINT(1) NOT NULL DEFAULT 1,
  daily_token_limit INT UNSIGNED NULL,
  monthly_token_limit INT UNSIGNED NULL,
  granted_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_user_permissions_user_feature (user_id, feature),
  CONSTRAINT fk_ai_user_permissions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_ai_user_permissions_granted_by FOREIGN KEY (granted_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A user's identity and settings towards an AI provider or the bridge (preferred model, ...).
CREATE TABLE ai_user_relations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  provider VARCHAR(50) NOT NULL DEFAULT 'bridge',
  external_user_id VARCHAR(100) NULL,
  default_model_id INT UNSIGNED NULL,
  settings JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_user_relations_user_provider (user_id, provider),
  CONSTRAINT fk_ai_user_relations_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT fk_ai_user_relations_model FOREIGN KEY (default_model_id) REFERENCES ai_model_config (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Natural-language data queries ("how many children applied this month?").
CREATE TABLE ai_query_templates (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  code VARCHAR(100) NOT NULL,
  name VARCHAR(100) NOT NULL,
  description VARCHAR(500) NULL,
  category VARCHAR(50) NOT NULL DEFAULT 'general',
  question_pattern VARCHAR(500) NOT NULL,
  sql_template TEXT NOT NULL,
  parameters JSON NULL,
  is_enabled TINYINT(1) NOT NULL DEFAULT 1,
  created_by BIGINT UNSIGNED NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_query_templates_code (code),
  CONSTRAINT fk_ai_query_templates_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ai_query_logs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NULL,
  conversation_id BIGINT UNSIGNED NULL,
  template_id BIGINT UNSIGNED NULL,
  question TEXT NOT NULL,
  generated_sql TEXT NULL,
  result_rows INT UNSIGNED NULL,
  execution_ms INT UNSIGNED NULL,
  cache_hit TINYINT(1) NOT NULL DEFAULT 0,
  status ENUM('success','error','rejected') NOT NULL DEFAULT 'success',
  error_message VARCHAR(1000) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY idx_ai_query_logs_user (user_id, created_at),
  CONSTRAINT fk_ai_query_logs_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,
  CONSTRAINT fk_ai_query_logs_conversation FOREIGN KEY (conversation_id) REFERENCES ai_conversations (id) ON DELETE SET NULL,
  CONSTRAINT fk_ai_query_logs_template FOREIGN KEY (template_id) REFERENCES ai_query_templates (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- query_hash: sha256 of the normalised question; rows past expires_at are recomputed.
CREATE TABLE ai_query_cache (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  query_hash CHAR(64) NOT NULL,
  question TEXT NOT NULL,
  template_id BIGINT UNSIGNED NULL,
  generated_sql TEXT NULL,
  result JSON NULL,
  hit_count INT UNSIGNED NOT NULL DEFAULT 0,
  expires_at DATETIME(3) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_ai_query_cache_hash (query_hash),
  KEY idx_ai_query_cache_expires (expires_at),
  CONSTRAINT fk_ai_query_cache_template FOREIGN KEY (template_id) REFERENCES ai_query_templates (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
