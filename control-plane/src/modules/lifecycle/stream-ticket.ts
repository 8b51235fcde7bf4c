import { errors, ErrorCode } from '@kg/shared';
import type { AppContext } from '../../context';
import { randomToken, sha256 } from '../../internal/crypto';
import { getProgress } from './progress.service';

/** How long a stream ticket opens streams: long enough for a browser's reconnects, no longer. */
export const STREAM_TICKET_TTL_SECONDS = 60;

interface TicketGrant {
  adminId: string;
  tenantCode: string;
}

const keyOf = (ctx: AppContext, ticket: string) => ctx.key('sse-ticket', sha256(ticket));

/**
 * A short-lived, single-purpose ticket for a browser's EventSource, which cannot send an
 * Authorization header (docs/console.md, Live progress). It opens only the progress stream of
 * one tenant, for STREAM_TICKET_TTL_SECONDS; Redis keeps only its hash. The long-lived access
 * token never goes into a URL. 404 for an unknown tenant: no ticket for nothing.
 */
export async function issueStreamTicket(ctx: AppContext, adminId: string, tenantCode: string): Promise<{ ticket: string; expiresInSeconds: number }> {
  await getProgress(ctx, tenantCode);
  const ticket = randomToken(24);
  const grant: TicketGrant = { adminId, tenantCode };
  await ctx.redis.set(keyOf(ctx, ticket), JSON.stringify(grant), 'EX', STREAM_TICKET_TTL_SECONDS);
  return { ticket, expiresInSeconds: STREAM_TICKET_TTL_SECONDS };
}

/** Checks a ticket for the stream of `tenantCode`; 401 when unknown, expired or for another tenant. */
export async function checkStreamTicket(ctx: AppContext, ticket: string, tenantCode: string): Promise<TicketGrant> {
  const raw = ticket.length <= 200 ? await ctx.redis.get(keyOf(ctx, ticket)) : null;
  const grant = raw ? (JSON.parse(raw) as TicketGrant) : null;
  if (!grant || grant.tenantCode !== tenantCode) {
    throw errors.unauthorized('The stream ticket is unknown, expired or for another tenant', ErrorCode.TokenInvalid);
  }
  return grant;
}
