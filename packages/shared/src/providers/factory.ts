import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import { ConfigError, envx, repoRoot } from '../env';
import { LocalDnsProvider } from './local-dns';
import { LocalStorageProvider } from './local-storage';
import { LocalStsProvider } from './local-sts';
import type { DnsProvider, StorageProvider, StsProvider } from './types';

/** Env settings choosing and configuring the providers (docs/control-plane.md, "Providers"); spread into an app's schema. */
export const providerEnvSchema = {
  DNS_PROVIDER: z.enum(['local', 'aliyun']).default('local'),
  STORAGE_PROVIDER: z.enum(['local', 'oss']).default('local'),
  STS_PROVIDER: z.enum(['local', 'aliyun']).default('local'),
  SMS_PROVIDER: z.enum(['console']).default('console'),
  ALIYUN_ACCESS_KEY_ID: envx.optionalStr(),
  ALIYUN_ACCESS_KEY_SECRET: envx.optionalStr(),
  ALIYUN_DNS_ENDPOINT: envx.str('alidns.aliyuncs.com'),
  ALIYUN_STS_ENDPOINT: envx.str('sts.aliyuncs.com'),
  ALIYUN_STS_ROLE_ARN: envx.optionalStr(),
  OSS_BUCKET: envx.optionalStr(),
  OSS_REGION: envx.str('oss-cn-hangzhou'),
  OSS_ENDPOINT: envx.optionalStr(),
  /** OSS_ENDPOINT is a custom domain bound to the bucket (requests go to it as is). */
  OSS_CNAME: envx.bool(false),
  /** Folder of the local storage provider; relative paths are under the repository root. */
  STORAGE_LOCAL_ROOT: envx.str('.data/storage'),
  /** Signs local download URLs and local STS tokens. Required in production. */
  STORAGE_SIGNING_SECRET: envx.optionalStr().refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  TENANT_INGRESS_IP: envx.str('127.0.0.1'),
  DNS_TTL: envx.int(600, 1, 86_400),
};

const providerSettingsSchema = z.object(providerEnvSchema);
export type ProviderSettings = z.infer<typeof providerSettingsSchema>;

/**
 * Cross-field checks for an app schema that spreads {@link providerEnvSchema}; attach with
 * `.superRefine(checkProviderEnv)`. Each problem names the variable that must be set.
 */
export function checkProviderEnv(env: ProviderSettings & { NODE_ENV?: string }, ctx: z.RefinementCtx): void {
  const need = (name: keyof ProviderSettings, why: string) => {
    if (!env[name]) ctx.addIssue({ code: 'custom', path: [name], message: `is required ${why}` });
  };
  const production = env.NODE_ENV !== 'development' && env.NODE_ENV !== 'test';
  if (production) need('STORAGE_SIGNING_SECRET', 'outside development and test (openssl rand -base64 32)');
  const aliyun = env.DNS_PROVIDER === 'aliyun' || env.STS_PROVIDER === 'aliyun' || env.STORAGE_PROVIDER === 'oss';
  if (aliyun) {
    need('ALIYUN_ACCESS_KEY_ID', 'when an Alibaba Cloud provider is selected');
    need('ALIYUN_ACCESS_KEY_SECRET', 'when an Alibaba Cloud provider is selected');
  }
  if (env.STORAGE_PROVIDER === 'oss' || env.STS_PROVIDER === 'aliyun') need('OSS_BUCKET', 'when OSS or STS is selected');
  if (env.STS_PROVIDER === 'aliyun') need('ALIYUN_STS_ROLE_ARN', 'when STS_PROVIDER=aliyun');
  // Local credentials only open the local storage endpoints, and STS tokens only open OSS.
  if ((env.STS_PROVIDER === 'aliyun') !== (env.STORAGE_PROVIDER === 'oss')) {
    ctx.addIssue({
      code: 'custom',
      path: ['STS_PROVIDER'],
      message: 'must be "aliyun" exactly when STORAGE_PROVIDER is "oss" (and "local" with local storage)',
    });
  }
}

/** Where development and test keep a generated storage signing secret (git-ignored). */
export const GENERATED_SIGNING_SECRET_FILE = '.data/secrets/storage-signing-secret';

/**
 * The storage signing secret: the configured one, else (development and test only, enforced by
 * {@link checkProviderEnv}) 32 random bytes generated once and persisted in `file` (0600, in a
 * 0700 folder), so every process of one install agrees without any set-up, as `npm start` does
 * for the secrets in .env. Nothing is derived from facts an attacker can learn, such as the
 * checkout path or host name (docs/security.md, Secrets and logs).
 */
export function storageSigningSecret(
  settings: Pick<ProviderSettings, 'STORAGE_SIGNING_SECRET'> & { NODE_ENV?: string },
  file: string = path.join(repoRoot(), GENERATED_SIGNING_SECRET_FILE),
): string {
  if (settings.STORAGE_SIGNING_SECRET) return settings.STORAGE_SIGNING_SECRET;
  if (settings.NODE_ENV !== 'development' && settings.NODE_ENV !== 'test') {
    throw new ConfigError(['STORAGE_SIGNING_SECRET: is required outside development and test']);
  }
  return persistedSecret(file);
}

const MIN_SECRET_LENGTH = 32;

function readSecret(file: string): string | undefined {
  // The process that created the file may still be writing it: give it a moment.
  for (let tries = 0; tries < 50; tries++) {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (text.length >= MIN_SECRET_LENGTH) return text;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  return undefined;
}

/** Reads the secret in `file`, creating it (exclusively: concurrent processes agree) when absent. */
function persistedSecret(file: string): string {
  try {
    const found = readSecret(file);
    if (found) return found;
    throw new ConfigError([`STORAGE_SIGNING_SECRET: ${file} holds no usable secret; delete it or set the variable`]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = crypto.randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return persistedSecret(file); // another process created it first
  }
}

/** Absolute folder of the local storage provider. */
export function localStorageRoot(settings: Pick<ProviderSettings, 'STORAGE_LOCAL_ROOT'>): string {
  return path.resolve(repoRoot(), settings.STORAGE_LOCAL_ROOT);
}

export interface Providers {
  dns: DnsProvider;
  storage: StorageProvider;
  sts: StsProvider;
}

// The cloud adapters are required only when selected: their SDKs cost ~60 MB of RSS, which
// processes running the local providers (and the tenant app) should not pay.
const loadAliyunDns = (): typeof import('./aliyun-dns') => require('./aliyun-dns');
const loadOssStorage = (): typeof import('./oss-storage') => require('./oss-storage');
const loadAliyunSts = (): typeof import('./aliyun-sts') => require('./aliyun-sts');

function required(value: string | undefined, name: string): string {
  if (!value) throw new ConfigError([`${name}: is required for the selected provider`]);
  return value;
}

/**
 * Builds the providers chosen by the settings. `controlDb` backs the local DNS provider;
 * `CONTROL_PLANE_PUBLIC_URL` is where local signed URLs and local storage endpoints point.
 */
export function createProviders(
  settings: ProviderSettings & { NODE_ENV?: string; CONTROL_PLANE_PUBLIC_URL?: string },
  controlDb: Pool,
): Providers {
  const publicBaseUrl = settings.CONTROL_PLANE_PUBLIC_URL ?? 'http://localhost:4001';
  const aliyunKey = () => ({
    accessKeyId: required(settings.ALIYUN_ACCESS_KEY_ID, 'ALIYUN_ACCESS_KEY_ID'),
    accessKeySecret: required(settings.ALIYUN_ACCESS_KEY_SECRET, 'ALIYUN_ACCESS_KEY_SECRET'),
  });
  const dns: DnsProvider =
    settings.DNS_PROVIDER === 'aliyun'
      ? new (loadAliyunDns().AliyunDnsProvider)({ ...aliyunKey(), endpoint: settings.ALIYUN_DNS_ENDPOINT })
      : new LocalDnsProvider(controlDb);
  let storage: StorageProvider;
  let sts: StsProvider;
  if (settings.STORAGE_PROVIDER === 'oss') {
    storage = new (loadOssStorage().OssStorageProvider)({
      ...aliyunKey(),
      bucket: required(settings.OSS_BUCKET, 'OSS_BUCKET'),
      region: settings.OSS_REGION,
      endpoint: settings.OSS_ENDPOINT,
      cname: settings.OSS_CNAME,
    });
  } else {
    storage = new LocalStorageProvider({
      root: localStorageRoot(settings),
      publicBaseUrl,
      signingSecret: storageSigningSecret(settings),
    });
  }
  if (settings.STS_PROVIDER === 'aliyun') {
    sts = new (loadAliyunSts().AliyunStsProvider)({
      ...aliyunKey(),
      endpoint: settings.ALIYUN_STS_ENDPOINT,
      roleArn: required(settings.ALIYUN_STS_ROLE_ARN, 'ALIYUN_STS_ROLE_ARN'),
      bucket: required(settings.OSS_BUCKET, 'OSS_BUCKET'),
      region: settings.OSS_REGION,
      ossEndpoint: settings.OSS_ENDPOINT,
    });
  } else {
    sts = new LocalStsProvider({
      signingSecret: storageSigningSecret(settings),
      endpoint: new URL('/api/storage', publicBaseUrl).toString(),
      bucket: 'local',
    });
  }
  return { dns, storage, sts };
}
