-- The AI bridge's ledger (docs/ai-billing.md, "How charging stays exact").
-- Balances carry the six decimals of call costs, so the sum of costs equals the balance change.
ALTER TABLE tenant_accounts MODIFY balance DECIMAL(18,6) NOT NULL DEFAULT 0;

-- Every change of a tenant's balance: charges (negative), recharges and adjustments, with the
-- balance right after it. A reference is unique per kind (a call's request id, a card's id), so
-- the same charge or recharge is never booked twice.
CREATE TABLE tenant_balance_transactions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tenant_id VARCHAR(50) NOT NULL,
  type ENUM('charge','recharge','adjustment') NOT NULL,
  amount DECIMAL(18,6) NOT NULL COMMENT 'signed: a charge is negative',
  balance_after DECIMAL(18,6) NOT NULL,
  reference VARCHAR(255) NOT NULL,
  description VARCHAR(500) NULL,
  created_by VARCHAR(100) NULL COMMENT 'admin id or global user id that caused it',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uk_balance_tx_reference (type, reference),
  KEY idx_balance_tx_tenant (tenant_id, id),
  CONSTRAINT fk_balance_tx_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per tenant, quota and period once its admins were told the quota is 80% used.
CREATE TABLE tenant_quota_notices (
  tenant_id VARCHAR(50) NOT NULL,
  quota VARCHAR(50) NOT NULL,
  period_start DATE NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (tenant_id, quota, period_start),
  CONSTRAINT fk_quota_notices_tenant FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per-tenant model settings: at most this many calls a day (NULL: no cap).
ALTER TABLE tenant_ai_model_configs ADD COLUMN daily_call_cap INT UNSIGNED NULL AFTER custom_parameters;

-- Calls of one tenant and model in a day (daily caps, usage roll-up).
ALTER TABLE ai_service_call_logs ADD KEY idx_ai_call_tenant_model_time (tenant_id, model_id, created_at);
