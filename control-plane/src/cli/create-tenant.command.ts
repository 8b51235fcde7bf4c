import os from 'node:os';
import { parseArgs } from 'node:util';
import { AppError, ErrorCode, validate, type FieldError } from '@kg/shared';
import type { AppContext } from '../context';
import type { AuditActor } from '../modules/audit/audit.service';
import { createTenant } from '../modules/lifecycle/create-tenant.service';
import { createTenantBodySchema } from '../modules/lifecycle/create-tenant.schema';
import { sendSmsCode } from '../modules/sms/sms.service';

export const CREATE_TENANT_USAGE = `Create a tenant from the command line (docs/operations.md, Create a tenant)

  npm run tenant:create -- --phone P --send-code
      Sends the tenant_create SMS code to the contact's phone (the same throttles as the API).

  npm run tenant:create -- --name N --contact-name C --email E --phone P --sms-code CODE
                           [--code k003] [--plan basic|standard|premium|enterprise]
                           [--server DB_SERVER_ID] [--address A] [--description D]
      Validates exactly as POST /api/tenant/create does, registers the tenant and queues its
      create pipeline; follow it with GET /api/tenants/<code>/progress or the console.

Exit status: 0 done, 1 refused (taken code, wrong SMS code, no capacity, ...), 2 invalid input.
`;

/** The CLI's options, each named after the API field it fills. */
const OPTIONS = {
  name: { type: 'string' },
  'contact-name': { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  'sms-code': { type: 'string' },
  code: { type: 'string' },
  plan: { type: 'string' },
  server: { type: 'string' },
  address: { type: 'string' },
  description: { type: 'string' },
  'send-code': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The operator at this terminal, as the audit log records them. */
function cliActor(): AuditActor {
  return { actorType: 'system', actorId: null, actorName: `cli:${os.userInfo().username}`, ip: null, userAgent: 'npm run tenant:create', requestId: null };
}

/** One line per offending field for a validation error, else the error code and message. */
function describe(err: AppError): string {
  if (err.code === ErrorCode.ValidationError && Array.isArray(err.details)) {
    return (err.details as FieldError[]).map((f) => `  ${f.field}: ${f.message}`).join('\n');
  }
  return `  ${err.code}: ${err.message}`;
}

/**
 * `npm run tenant:create` over a built control-plane context: parses the options into the API's
 * request body and hands it to the same schema and service as POST /api/tenant/create. Returns
 * the exit status; `out` and `err` receive the lines to print.
 */
export async function runCreateTenant(
  ctx: AppContext,
  argv: string[],
  print: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; args: string[] }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
  } catch (e) {
    print.err(`${(e as Error).message}\n\n${CREATE_TENANT_USAGE}`);
    return 2;
  }
  if (values.help) {
    print.out(CREATE_TENANT_USAGE);
    return 0;
  }
  try {
    if (values['send-code']) {
      const phone = validate(createTenantBodySchema(ctx.config.PHONE_PATTERN).pick({ contactPhone: true }), { contactPhone: values.phone }).contactPhone;
      const sent = await sendSmsCode(ctx, { phone, purpose: 'tenant_create', ip: null });
      print.out(`Code sent to ${phone} (valid ${sent.expiresInSeconds} s); run again with --sms-code <code>`);
      return 0;
    }
    const body = {
      tenantCode: values.code,
      name: values.name,
      contactName: values['contact-name'],
      contactEmail: values.email,
      contactPhone: values.phone,
      smsVerificationCode: values['sms-code'],
      address: values.address,
      description: values.description,
      planType: values.plan,
      // The API takes a JSON number; a non-number stays a string so the schema refuses it by name.
      dbServerId: values.server === undefined ? undefined : /^\d+$/.test(values.server) ? Number(values.server) : values.server,
    };
    const input = validate(createTenantBodySchema(ctx.config.PHONE_PATTERN), body);
    const created = await createTenant(ctx, cliActor(), input);
    print.out(
      `Tenant ${created.tenantCode} registered on database server ${created.dbServerId} (${created.databaseName}, ${created.domain}); ` +
        `create pipeline queued as job ${created.jobId}`,
    );
    print.out(JSON.stringify(created));
    return 0;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    print.err(`tenant:create refused (${e.status}):\n${describe(e)}`);
    return e.code === ErrorCode.ValidationError ? 2 : 1;
  }
}
