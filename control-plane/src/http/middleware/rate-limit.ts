import type { RequestHandler } from 'express';
import type { AppContext } from '../../context';
import { abuseLimits, type LimitedFlow } from '../../internal/abuse-limits';

/**
 * Counts the request against the per-IP limit of `flow` before anything else runs (429 with
 * Retry-After over it). The IP is Express's req.ip: the socket's peer, or the address a trusted
 * proxy appended when TRUST_PROXY is set (docs/security.md, Abuse limits).
 */
export function limitPerIp(ctx: AppContext, flow: LimitedFlow): RequestHandler {
  const limits = abuseLimits(ctx);
  return (req, _res, next) => {
    limits.perIp(flow, req.ip).then(() => next(), next);
  };
}
