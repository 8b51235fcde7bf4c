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
 * Local default: no SMS is sent. Where a code ends up depends on NODE_ENV (docs/security.md,
 * Secrets and logs): in development it is logged and kept in the dev inbox (the last codes in
 * Redis, read by operators through GET /api/sms/dev-inbox); in test only the dev inbox keeps it;
 * in production neither, since a code in a log or an operator's screen is a code anyone with
 * that access can use.
 */
export class ConsoleSmsProvider implements SmsProvider {
  readonly name = 'console';

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly keyPrefix: string,
    private readonly nodeEnv: 'development' | 'production' | 'test',
  ) {}

  /** True when this provider keeps a dev inbox (never in production). */
  get hasInbox(): boolean {
    return this.nodeEnv !== 'production';
  }

  async sendCode(message: SmsMessage): Promise<void> {
    if (!this.hasInbox) {
      this.logger.warn({ purpose: message.purpose }, 'SMS code not delivered: the console SMS provider sends nothing in production');
      return;
    }
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
    if (this.nodeEnv === 'development') {
      this.logger.info({ phone: message.phone, purpose: message.purpose, code: message.code }, 'SMS code (console provider, not sent)');
    }
  }

  /** The last codes for one phone, or for every phone, newest first (nothing in production). */
  async inbox(phone?: string): Promise<DevInboxEntry[]> {
    if (!this.hasInbox) return [];
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
