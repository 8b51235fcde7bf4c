-- A finished AI call is logged and charged in one round trip (docs/ai-billing.md, "How charging
-- stays exact" and "Bridge overhead"): the call-log row (unique request id) and, only when it was
-- inserted, the balance change and its transaction row, in one transaction that commits together
-- or not at all. The rule is that of ai-bridge/call-log.repository.ts (insertCallLog)
-- and billing/account.repository.ts (applyBalanceChange), in one round trip; keep them in step.
-- Answers one row: inserted (0 when the request id was logged before, so nothing was charged)
-- and balance_after (NULL when nothing was charged). Error 45000 'no billing account' rolls back.
CREATE PROCEDURE ai_settle_call(
  IN p_tenant_id INT UNSIGNED,
  IN p_tenant_code VARCHAR(50),
  IN p_user_id VARCHAR(255),
  IN p_model_id INT UNSIGNED,
  IN p_request_id VARCHAR(255),
  IN p_call_type VARCHAR(20),
  IN p_input_tokens INT UNSIGNED,
  IN p_output_tokens INT UNSIGNED,
  IN p_cost DECIMAL(12,6),
  IN p_response_time INT UNSIGNED,
  IN p_user_agent TEXT,
  IN p_ip_address VARCHAR(64),
  IN p_metadata LONGTEXT,
  IN p_description VARCHAR(500)
)
SQL SECURITY INVOKER
MODIFIES SQL DATA
BEGIN
  DECLARE v_inserted INT DEFAULT 0;
  DECLARE v_balance DECIMAL(18,6) DEFAULT NULL;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  START TRANSACTION;
  INSERT IGNORE INTO ai_service_call_logs
    (tenant_id, user_id, model_id, request_id, call_type, input_tokens, output_tokens, total_tokens, cost,
     response_time, status, error_message, user_agent, ip_address, metadata)
  VALUES (p_tenant_id, p_user_id, p_model_id, p_request_id, p_call_type, p_input_tokens, p_output_tokens,
          p_input_tokens + p_output_tokens, p_cost, p_response_time, 'success', NULL, p_user_agent, p_ip_address, p_metadata);
  SET v_inserted = ROW_COUNT();
  IF v_inserted = 1 AND p_cost <> 0 THEN
    -- The UPDATE locks the account row: concurrent charges of the tenant queue here.
    UPDATE tenant_accounts SET balance = balance - p_cost WHERE tenant_id = p_tenant_code;
    IF ROW_COUNT() <> 1 THEN
      SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no billing account';
    END IF;
    SELECT balance INTO v_balance FROM tenant_accounts WHERE tenant_id = p_tenant_code;
    INSERT INTO tenant_balance_transactions (tenant_id, type, amount, balance_after, reference, description, created_by)
    VALUES (p_tenant_code, 'charge', -p_cost, v_balance, p_request_id, p_description, p_user_id);
  END IF;
  COMMIT;
  SELECT v_inserted AS inserted, CAST(v_balance AS CHAR) AS balance_after;
END;
