-- Comments reworded after this file was applied; databases that recorded its earlier text stay
-- valid (docs/control-plane.md, "Migrations"):
-- valid-checksum: 6abc89ed8172f874854d5f0ad0cc00d16f6fe9eda5417e49d811e55b04780892

-- Operator API: at most one default AI model, enforced by the database so two
-- concurrent "make this the default" requests cannot both win. The generated column is 1 for
-- the default row and NULL otherwise; a UNIQUE index allows any number of NULLs.
ALTER TABLE ai_model_config
  ADD COLUMN default_marker TINYINT GENERATED ALWAYS AS (IF(is_default = 1, 1, NULL)) STORED,
  ADD UNIQUE KEY uk_ai_model_config_single_default (default_marker);

-- The tenant list filters by status, newest first.
CREATE INDEX idx_tenants_status_created ON tenants (status, created_at);
