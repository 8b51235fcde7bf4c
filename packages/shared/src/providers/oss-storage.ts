import OSS from 'ali-oss';
import type { ListPage, StorageProvider } from './types';

export interface OssStorageSettings {
  accessKeyId: string;
  accessKeySecret: string;
  bucket: string;
  /** e.g. oss-cn-hangzhou. */
  region: string;
  /** Optional endpoint URL (e.g. https://oss-cn-hangzhou.aliyuncs.com, or a test stub's http URL). */
  endpoint?: string;
  /** The endpoint is a custom domain bound to the bucket (no bucket sub-domain is added). */
  cname?: boolean;
}

/** OSS caps DeleteMultipleObjects at 1000 keys. */
const DELETE_BATCH = 1000;

function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; status?: unknown };
  return e?.code === 'NoSuchKey' || e?.status === 404;
}

/** Alibaba Cloud OSS through `ali-oss` (signature V1, one bucket). */
export class OssStorageProvider implements StorageProvider {
  readonly name = 'oss';
  private readonly client: OSS;

  constructor(readonly settings: OssStorageSettings) {
    const secure = settings.endpoint ? settings.endpoint.startsWith('https://') : true;
    this.client = new OSS({
      accessKeyId: settings.accessKeyId,
      accessKeySecret: settings.accessKeySecret,
      bucket: settings.bucket,
      region: settings.region,
      endpoint: settings.endpoint,
      secure,
      cname: settings.cname ?? false,
      timeout: 60_000,
    });
  }

  async putObject(key: string, body: Buffer, contentType?: string): Promise<void> {
    await this.client.put(key, body, contentType ? { mime: contentType } : undefined);
  }

  async getObject(key: string): Promise<Buffer | null> {
    try {
      const res = await this.client.get(key);
      return Buffer.isBuffer(res.content) ? res.content : Buffer.from(res.content ?? '');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async deleteObject(key: string): Promise<void> {
    try {
      await this.client.delete(key);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** One DeleteMultipleObjects request per 1000 keys (quiet mode). */
  async deleteObjects(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      if (batch.length) await this.client.deleteMulti(batch, { quiet: true });
    }
  }

  async listPage(prefix: string, opts: { marker?: string; maxKeys?: number } = {}): Promise<ListPage> {
    const query: OSS.ListObjectsQuery = { prefix, 'max-keys': Math.max(1, Math.min(opts.maxKeys ?? 1000, 1000)) };
    if (opts.marker) query.marker = opts.marker;
    const res = await this.client.list(query, {});
    const objects = (res.objects ?? []).map((o) => ({
      key: o.name,
      size: Number(o.size),
      lastModified: new Date(o.lastModified),
    }));
    const nextMarker = res.isTruncated ? (res.nextMarker ?? objects[objects.length - 1]?.key) : undefined;
    return { objects, nextMarker: nextMarker || undefined };
  }

  async signedUrl(key: string, expiresSeconds: number): Promise<string> {
    return this.client.signatureUrl(key, { expires: Math.max(1, Math.floor(expiresSeconds)) });
  }
}
