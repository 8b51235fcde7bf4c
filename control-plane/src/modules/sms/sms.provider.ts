import type { Logger, Redis } from '@kg/shared';

export interface SmsMessage {
  phone: string;
  purpose: string;
  code: string;
  expiresAt: Date;
}

/** Sends verification codes; SMS_PROVIDER chooses the implementation (docs/auth.md, "SMS codes"). */
export interface SmsProvider {
  readonly name: string;
  sendCode(message: SmsMessage): Promise<void>;
}

export interface DevInboxEntry {
  phone: string;
  purpose: string;
  code: string;
  sentAt: string;
  expiresAt: string;
}

const PER_PHONE = 10;
const OVERALL = 50;
const KEEP_SECONDS = 24 * 3600;

/**
 * Local default: writes the code to the log and keeps the last codes in Redis, where operators
 * read them through the dev inbox (GET /api/sms/dev-inbox). No SMS is sent.
 */
export class ConsoleSmsProvider implements SmsProvider {
  readonly name = 'console';

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly keyPrefix: string,
  ) {}

  async sendCode(message: SmsMessage): Promise<void> {
    const entry: DevInboxEntry = {
      phone: message.phone,
      purpose: message.purpose,
      code: message.code,
      sentAt: new Date().toISOString(),
      expiresAt: message.expiresAt.toISOString(),
    };
    const json = JSON.stringify(entry);
    const phoneKey = this.phoneKey(message.phone);
    const allKey = this.allKey();
    await this.redis
      .multi()
      .lpush(phoneKey, json)
      .ltrim(phoneKey, 0, PER_PHONE - 1)
      .expire(phoneKey, KEEP_SECONDS)
      .lpush(allKey, json)
      .ltrim(allKey, 0, OVERALL - 1)
      .expire(allKey, KEEP_SECONDS)
      .exec();
    this.logger.info({ phone: message.phone, purpose: message.purpose, code: message.code }, 'SMS code (console provider, not sent)');
  }

  /** The last codes for one phone, or for every phone, newest first. */
  async inbox(phone?: string): Promise<DevInboxEntry[]> {
    const raw = await this.redis.lrange(phone ? this.phoneKey(phone) : this.allKey(), 0, -1);
    return raw.map((r) => JSON.parse(r) as DevInboxEntry);
  }

  private phoneKey(phone: string): string {
    return `${this.keyPrefix}sms:inbox:${phone}`;
  }

  private allKey(): string {
    return `${this.keyPrefix}sms:inbox`;
  }
}
