-- Operator API (SPEC §8, §9): at most one default AI model, enforced by the database so two
-- concurrent "make this the default" requests cannot both win. The generated column is 1 for
-- the default row and NULL otherwise; a UNIQUE index allows any number of NULLs.
ALTER TABLE ai_model_config
  ADD COLUMN default_marker TINYINT GENERATED ALWAYS AS (IF(is_default = 1, 1, NULL)) STORED,
  ADD UNIQUE KEY uk_ai_model_config_single_default (default_marker);

-- The tenant list filters by status, newest first.
CREATE INDEX idx_tenants_status_created ON tenants (status, created_at);
