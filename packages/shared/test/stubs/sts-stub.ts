import crypto from 'node:crypto';
import { rpcParams, sendJson, verifyAcs3 } from './acs3';
import { requestId, startStub, type StubServer } from './server';

export interface AssumeRoleCall {
  roleArn: string;
  roleSessionName: string;
  durationSeconds: number;
  /** The Policy parameter as sent (JSON text), if any. */
  policy?: string;
}

/** Credentials issued by the stub, so an OSS stub can accept them and enforce their policy. */
export interface IssuedSession {
  accessKeySecret: string;
  securityToken: string;
  expiration: Date;
  policy?: Record<string, unknown>;
}

export interface StsStub extends StubServer {
  calls: AssumeRoleCall[];
  /** By AccessKeyId; pass to startOssStub. */
  issued: Map<string, IssuedSession>;
}

/**
 * A local Alibaba Cloud STS (2015-04-01) answering AssumeRole with the real JSON shape, after
 * checking the ACS3 signature and the parameters the real service validates.
 */
export async function startStsStub(secrets: Record<string, string>): Promise<StsStub> {
  const calls: AssumeRoleCall[] = [];
  const issued = new Map<string, IssuedSession>();
  const server = await startStub((req, body, res) => {
    const fail = (status: number, code: string, message: string) =>
      sendJson(res, status, { RequestId: requestId(), HostId: 'sts.aliyuncs.com', Code: code, Message: message });
    const auth = verifyAcs3(req, body, secrets);
    if (!auth.ok) return fail(auth.status, auth.code, auth.message);
    const p = rpcParams(req, body);
    const action = String(req.headers['x-acs-action'] ?? p.Action ?? '');
    if (action !== 'AssumeRole') return fail(404, 'InvalidAction.NotFound', 'Specified api is not found.');
    if (!p.RoleArn) return fail(400, 'MissingRoleArn', 'RoleArn is mandatory for this action.');
    if (!p.RoleSessionName || !/^[\w.@-]{2,64}$/.test(p.RoleSessionName)) {
      return fail(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.');
    }
    const duration = Number(p.DurationSeconds ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
      return fail(400, 'InvalidParameter.DurationSeconds', 'The Min/Max value of DurationSeconds is 15min/12hr.');
    }
    if (p.Policy !== undefined) {
      try {
        JSON.parse(p.Policy);
      } catch {
        return fail(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.');
      }
    }
    calls.push({ roleArn: p.RoleArn, roleSessionName: p.RoleSessionName, durationSeconds: duration, policy: p.Policy });
    const roleId = '3' + crypto.randomBytes(8).readBigUInt64BE().toString().slice(0, 17);
    const credentials = {
      SecurityToken: `CAIS${crypto.randomBytes(48).toString('base64')}`,
      AccessKeyId: `STS.NU${crypto.randomBytes(12).toString('hex').toUpperCase()}`,
      AccessKeySecret: crypto.randomBytes(24).toString('base64url'),
      Expiration: new Date(Date.now() + duration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    issued.set(credentials.AccessKeyId, {
      accessKeySecret: credentials.AccessKeySecret,
      securityToken: credentials.SecurityToken,
      expiration: new Date(credentials.Expiration),
      policy: p.Policy === undefined ? undefined : (JSON.parse(p.Policy) as Record<string, unknown>),
    });
    return sendJson(res, 200, {
      RequestId: requestId(),
      AssumedRoleUser: {
        AssumedRoleId: `${roleId}:${p.RoleSessionName}`,
        Arn: `${p.RoleArn.replace(':role/', ':assumed-role/')}/${p.RoleSessionName}`,
      },
      Credentials: credentials,
    });
  });
  return Object.assign(server, { calls, issued });
}
