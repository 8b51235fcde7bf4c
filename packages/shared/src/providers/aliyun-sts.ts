import Sts, * as $Sts from '@alicloud/sts20150401';
import * as $OpenApi from '@alicloud/openapi-client';
import { aliyunEndpoint } from './aliyun-dns';
import type { StsCredentials, StsProvider } from './types';

export interface AliyunStsSettings {
  accessKeyId: string;
  accessKeySecret: string;
  /** Host (sts.aliyuncs.com) or a full URL; an `http://` URL switches the protocol (test stubs). */
  endpoint: string;
  roleArn: string;
  bucket: string;
  region: string;
  /** OSS endpoint handed to clients together with the credentials. */
  ossEndpoint?: string;
}

const READ_WRITE_ACTIONS = ['oss:PutObject', 'oss:GetObject', 'oss:DeleteObject'];
const READ_ONLY_ACTIONS = ['oss:GetObject'];

/**
 * The session policy of a tenant's credentials, narrowed to its prefix (docs/control-plane.md,
 * "Providers"). Object actions are limited to `acs:oss:*:*:{bucket}/{prefix}*`. ListObjects is a
 * bucket-level action, so (unlike a single statement, which would put the list condition on
 * every action and deny object reads and writes) it gets its own statement on the bucket,
 * allowed only when the requested prefix starts with the tenant's.
 * Read-only credentials get GetObject and ListObjects only.
 */
export function buildOssSessionPolicy(bucket: string, prefix: string, readOnly: boolean): Record<string, unknown> {
  if (!prefix.endsWith('/')) throw new Error(`Storage prefix must end with "/": ${JSON.stringify(prefix)}`);
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: readOnly ? READ_ONLY_ACTIONS : READ_WRITE_ACTIONS,
        Resource: [`acs:oss:*:*:${bucket}/${prefix}*`],
      },
      {
        Effect: 'Allow',
        Action: ['oss:ListObjects'],
        Resource: [`acs:oss:*:*:${bucket}`],
        Condition: { StringLike: { 'oss:Prefix': [`${prefix}*`] } },
      },
    ],
  };
}

/** RoleSessionName: 2-64 characters of [A-Za-z0-9.@_-]. */
function sessionName(tenantCode: string, userId: string): string {
  return `kg-${tenantCode}-u${userId}`.replace(/[^A-Za-z0-9.@_-]/g, '-').slice(0, 64);
}

/** Alibaba Cloud STS AssumeRole (`@alicloud/sts20150401`) with a per-tenant session policy. */
export class AliyunStsProvider implements StsProvider {
  /** OSS checks the credentials, not the platform: only their expiry ends them. */
  readonly revocable = false;
  /** AssumeRole's lower bound for DurationSeconds. */
  readonly minDurationSeconds = 900;
  readonly name = 'aliyun';
  private readonly client: Sts;

  constructor(private readonly settings: AliyunStsSettings) {
    const { endpoint, protocol } = aliyunEndpoint(settings.endpoint);
    this.client = new Sts(
      new $OpenApi.Config({
        accessKeyId: settings.accessKeyId,
        accessKeySecret: settings.accessKeySecret,
        endpoint,
        protocol,
        readTimeout: 10_000,
        connectTimeout: 5_000,
      }),
    );
  }

  async issue(input: {
    tenantCode: string;
    userId: string;
    prefix: string;
    readOnly: boolean;
    durationSeconds: number;
  }): Promise<StsCredentials> {
    const policy = buildOssSessionPolicy(this.settings.bucket, input.prefix, input.readOnly);
    const res = await this.client.assumeRole(
      new $Sts.AssumeRoleRequest({
        roleArn: this.settings.roleArn,
        roleSessionName: sessionName(input.tenantCode, input.userId),
        policy: JSON.stringify(policy),
        // STS accepts 900..43200 seconds (the role's maximum session duration caps it further).
        durationSeconds: Math.min(43_200, Math.max(this.minDurationSeconds, Math.floor(input.durationSeconds))),
      }),
    );
    const c = res.body?.credentials;
    if (!c?.accessKeyId || !c.accessKeySecret || !c.securityToken || !c.expiration) {
      throw new Error('AssumeRole returned no credentials');
    }
    return {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken,
      expiration: c.expiration,
      bucket: this.settings.bucket,
      region: this.settings.region,
      endpoint: this.settings.ossEndpoint,
      allowedPrefix: input.prefix,
      readOnly: input.readOnly,
    };
  }
}
