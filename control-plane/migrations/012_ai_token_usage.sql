-- Tokens a tenant's AI calls used per quota period (a calendar month), kept by the charge itself
-- (docs/ai-billing.md, "Limits"): the quota check before every call reads one row instead of
-- summing the month's call log, which grows with every call.
CREATE TABLE tenant_ai_token_usage (
  tenant_id INT UNSIGNED NOT NULL COMMENT 'tenants.id, as in ai_service_call_logs',
  period_start DATE NOT NULL,
  tokens BIGINT UNSIGNED NOT NULL DEFAULT 0,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (tenant_id, period_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Calls logged before this table existed.
INSERT INTO tenant_ai_token_usage (tenant_id, period_start, tokens)
SELECT tenant_id, DATE_FORMAT(created_at, '%Y-%m-01'), SUM(total_tokens)
  FROM ai_service_call_logs
 WHERE status = 'success'
 GROUP BY tenant_id, DATE_FORMAT(created_at, '%Y-%m-01');
