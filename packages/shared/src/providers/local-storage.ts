import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { objectKeyProblem } from './object-keys';
import { signDownloadUrl } from './signed-url';
import type { ListPage, StorageProvider, StoredObject } from './types';

export interface LocalStorageSettings {
  /** Folder holding the objects; created on first write. */
  root: string;
  /** Public URL of the control plane, which serves signed downloads. */
  publicBaseUrl: string;
  signingSecret: string;
}

/** Suffix of in-flight uploads (written then renamed, so readers never see half a file). */
const UPLOAD_SUFFIX = '.kg-upload';
const DEFAULT_PAGE = 1000;

/**
 * Object storage in a folder on disk: key "a/b/c.png" is the file "<root>/a/b/c.png". Keys are
 * validated before they touch the file system, so none can escape the root.
 */
export class LocalStorageProvider implements StorageProvider {
  readonly name = 'local';
  readonly root: string;
  private rootReady?: Promise<void>;

  constructor(private readonly settings: LocalStorageSettings) {
    this.root = path.resolve(settings.root);
  }

  /** Absolute file path of a validated key. */
  filePath(key: string): string {
    const problem = objectKeyProblem(key);
    if (problem) throw new Error(`Invalid object key ${JSON.stringify(key)}: ${problem}`);
    if (key.endsWith('/')) throw new Error(`Invalid object key ${JSON.stringify(key)}: folder keys are not stored locally`);
    if (key.endsWith(UPLOAD_SUFFIX)) throw new Error(`Invalid object key ${JSON.stringify(key)}: reserved suffix`);
    const file = path.resolve(this.root, ...key.split('/'));
    if (!file.startsWith(this.root + path.sep)) throw new Error(`Invalid object key ${JSON.stringify(key)}`);
    return file;
  }

  /**
   * Creates the root folder owner-only (0700), and narrows an existing one to 0700 once, so
   * other accounts on the machine cannot read tenants' files (docs/security.md, Secrets and logs).
   */
  private ensureRoot(): Promise<void> {
    this.rootReady ??= (async () => {
      await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
      await fs.chmod(this.root, 0o700).catch(() => undefined); // not ours to change: leave it
    })();
    return this.rootReady;
  }

  async putObject(key: string, body: Buffer): Promise<void> {
    const file = this.filePath(key);
    await this.ensureRoot();
    const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}${UPLOAD_SUFFIX}`;
    // A concurrent delete may prune the parent folder between mkdir and write: retry once.
    for (let attempt = 0; ; attempt++) {
      try {
        await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
        await fs.writeFile(tmp, body, { mode: 0o600 });
        await fs.rename(tmp, file);
        return;
      } catch (err) {
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      }
    }
  }

  async getObject(key: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.filePath(key));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
      throw err;
    }
  }

  /** Size and modification time, or null when the object does not exist. */
  async statObject(key: string): Promise<StoredObject | null> {
    try {
      const st = await fs.stat(this.filePath(key));
      return st.isFile() ? { key, size: st.size, lastModified: st.mtime } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async deleteObject(key: string): Promise<void> {
    const file = this.filePath(key);
    await fs.rm(file, { force: true });
    await this.pruneEmptyParents(path.dirname(file));
  }

  async deleteObjects(keys: string[]): Promise<void> {
    for (const key of keys) await this.deleteObject(key);
  }

  async listPage(prefix: string, opts: { marker?: string; maxKeys?: number } = {}): Promise<ListPage> {
    const maxKeys = Math.max(1, Math.min(opts.maxKeys ?? DEFAULT_PAGE, DEFAULT_PAGE));
    // Walk only the deepest folder the prefix names; a partial last segment filters by name.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    if (dirPart && objectKeyProblem(dirPart)) throw new Error(`Invalid prefix ${JSON.stringify(prefix)}`);
    const keys: string[] = [];
    await this.walk(path.join(this.root, ...dirPart.split('/').filter(Boolean)), dirPart, keys);
    const marker = opts.marker ?? '';
    const candidates = keys.filter((k) => k.startsWith(prefix) && k > marker).sort();
    const pageKeys = candidates.slice(0, maxKeys);
    const objects: StoredObject[] = [];
    for (const key of pageKeys) {
      const st = await this.statObject(key);
      if (st) objects.push(st);
    }
    const truncated = candidates.length > maxKeys;
    return { objects, nextMarker: truncated ? pageKeys[pageKeys.length - 1] : undefined };
  }

  async signedUrl(key: string, expiresSeconds: number): Promise<string> {
    this.filePath(key);
    // Rounded up, so the link lives at least as long as asked.
    const expires = Math.ceil(Date.now() / 1000) + Math.max(1, Math.floor(expiresSeconds));
    return signDownloadUrl(this.settings.publicBaseUrl, this.settings.signingSecret, key, expires);
  }

  private async walk(dir: string, keyPrefix: string, out: string[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      if (e.isDirectory()) await this.walk(path.join(dir, e.name), `${keyPrefix}${e.name}/`, out);
      else if (e.isFile() && !e.name.endsWith(UPLOAD_SUFFIX)) out.push(keyPrefix + e.name);
    }
  }

  private async pruneEmptyParents(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.root + path.sep)) {
      try {
        await fs.rmdir(current);
      } catch {
        return; // not empty (or already gone): stop
      }
      current = path.dirname(current);
    }
  }
}
