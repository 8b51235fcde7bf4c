/**
 * Provider interfaces (docs/control-plane.md, "Providers"). Each has a local default that needs no
 * cloud account and an Alibaba Cloud adapter; settings choose (DNS_PROVIDER, STORAGE_PROVIDER,
 * STS_PROVIDER). Every method is idempotent where the lifecycle needs it to be (create-if-missing,
 * delete-if-present), because provisioning steps are retried and resumed.
 */
export interface DnsRecord {
  recordId: string;
  /** Host part, e.g. "k001". */
  rr: string;
  /** Zone, e.g. "yyup.cc" (BASE_DOMAIN). */
  domain: string;
  type: 'A' | 'CNAME';
  value: string;
  ttl: number;
}

export interface DnsProvider {
  readonly name: string;
  /** Returns the existing record for rr.domain, or null. */
  findRecord(rr: string, domain: string): Promise<DnsRecord | null>;
  /** Creates the record, or returns the existing one (updating its value if it differs). */
  ensureRecord(input: Omit<DnsRecord, 'recordId'>): Promise<DnsRecord>;
  /** Deletes by id; a missing record is not an error. */
  deleteRecord(recordId: string): Promise<void>;
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

export interface ListPage {
  objects: StoredObject[];
  /** Pass back as `marker` to get the next page; undefined on the last page. */
  nextMarker?: string;
}

export interface StorageProvider {
  readonly name: string;
  putObject(key: string, body: Buffer, contentType?: string): Promise<void>;
  getObject(key: string): Promise<Buffer | null>;
  deleteObject(key: string): Promise<void>;
  /** One page of objects under `prefix` (keys sorted). */
  listPage(prefix: string, opts?: { marker?: string; maxKeys?: number }): Promise<ListPage>;
  /** A URL that downloads `key` until it expires. */
  signedUrl(key: string, expiresSeconds: number): Promise<string>;
  /** Deletes many keys in as few requests as the backend allows (missing keys are fine). */
  deleteObjects?(keys: string[]): Promise<void>;
}

export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO 8601. */
  expiration: string;
  bucket: string;
  region?: string;
  endpoint?: string;
  /** The prefix these credentials are limited to, e.g. "13800138000/". */
  allowedPrefix: string;
  readOnly: boolean;
}

export interface StsProvider {
  readonly name: string;
  /**
   * True when the platform checks every request made with the credentials against the tenant's
   * and the user's current state (local provider), so they may live longer; false when only
   * their expiry ends them (cloud STS), and they are issued for {@link minDurationSeconds}.
   */
  readonly revocable: boolean;
  /** The shortest lifetime the provider accepts, in seconds. */
  readonly minDurationSeconds: number;
  issue(input: {
    tenantCode: string;
    userId: string;
    /** The sign-in the credentials were requested under (ending it ends them, if revocable). */
    sessionId?: string;
    prefix: string;
    readOnly: boolean;
    durationSeconds: number;
  }): Promise<StsCredentials>;
}

/** Folders created under every tenant prefix when its storage is set up. */
export const TENANT_STORAGE_FOLDERS = [
  'uploads/images/',
  'uploads/videos/',
  'uploads/files/',
  'generated/posters/',
  'generated/documents/',
  'posters/templates/',
  'posters/user_created/',
  'documents/enrollment/',
  'documents/activities/',
  'temp/',
] as const;
