-- Durable revocation state (docs/security.md, "Sessions and revocation"). Redis only announces
-- changes; every process keeps these rows in memory, loaded from here at start, after a Redis
-- reconnect and incrementally on a timer, so a Redis that loses its data revives nothing.

-- Per subject: access tokens issued at or before valid_after_ms are refused (password change,
-- refresh-token reuse, disable/lock, an admin's demotion or suspension, an unbinding, sign-out
-- everywhere). After expires_at_ms no token issued before the moment can still be alive.
CREATE TABLE auth_valid_after (
  subject_type ENUM('admin','user') NOT NULL,
  subject_id BIGINT UNSIGNED NOT NULL,
  valid_after_ms BIGINT UNSIGNED NOT NULL,
  expires_at_ms BIGINT UNSIGNED NOT NULL,
  reason VARCHAR(50) NOT NULL,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (subject_type, subject_id),
  KEY idx_auth_valid_after_moment (valid_after_ms),
  KEY idx_auth_valid_after_expiry (expires_at_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Ended sign-ins (logout, refresh-token reuse): every access token carrying the sign-in id
-- (claim sid; a token without one is its own sign-in, keyed by its jti) is refused until it
-- would have expired anyway.
CREATE TABLE auth_revoked_sessions (
  session_id VARCHAR(64) NOT NULL PRIMARY KEY,
  subject_type ENUM('admin','user') NOT NULL,
  subject_id BIGINT UNSIGNED NOT NULL,
  reason VARCHAR(50) NOT NULL,
  revoked_at_ms BIGINT UNSIGNED NOT NULL,
  expires_at_ms BIGINT UNSIGNED NOT NULL,
  KEY idx_auth_revoked_sessions_revoked (revoked_at_ms),
  KEY idx_auth_revoked_sessions_expiry (expires_at_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The sign-in a refresh family belongs to: the family of a sign-in itself, and every
-- tenant-scoped family switch-tenant derived from it. NULL on rows from before: their family
-- is their sign-in.
ALTER TABLE refresh_tokens
  ADD COLUMN session_id CHAR(36) NULL AFTER family_id,
  ADD KEY idx_refresh_tokens_session (session_id);
