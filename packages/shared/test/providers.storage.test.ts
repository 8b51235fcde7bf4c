import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalStorageProvider } from '../src/providers/local-storage';
import { OssStorageProvider } from '../src/providers/oss-storage';
import { LOCAL_DOWNLOAD_PATH, verifyDownloadSignature } from '../src/providers/signed-url';
import { deletePrefix, ensureTenantFolders } from '../src/providers/storage-ops';
import { TENANT_STORAGE_FOLDERS, type StorageProvider } from '../src/providers/types';
import { startOssStub, type OssStub } from './stubs/oss-stub';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Harness {
  storage: StorageProvider;
  /** Makes `key` look last modified at `when` (for the temp/ cleanup). */
  age(key: string, when: Date): Promise<void>;
}

/** The storage behaviour the lifecycle and the STS endpoints rely on, run against every adapter. */
function storageContract(name: string, make: () => Harness) {
  describe(`storage contract: ${name}`, () => {
    let h: Harness;
    before(() => {
      h = make();
    });

    it('when an object is put, then it reads back byte for byte; a missing key reads as null', async () => {
      const body = Buffer.from([0, 1, 2, 250, 251, 252]);
      await h.storage.putObject('13800138000/uploads/files/a.bin', body, 'application/octet-stream');
      assert.deepEqual(await h.storage.getObject('13800138000/uploads/files/a.bin'), body);
      assert.equal(await h.storage.getObject('13800138000/uploads/files/missing.bin'), null);
    });

    it('when an object is deleted twice, then it is gone and the second delete is not an error', async () => {
      await h.storage.putObject('13800138000/temp/x.txt', Buffer.from('x'));
      await h.storage.deleteObject('13800138000/temp/x.txt');
      await h.storage.deleteObject('13800138000/temp/x.txt');
      assert.equal(await h.storage.getObject('13800138000/temp/x.txt'), null);
    });

    it('when a prefix holds more objects than a page, then marker paging lists each once, sorted', async () => {
      const keys = Array.from({ length: 23 }, (_, i) => `15900159000/uploads/images/p${String(i).padStart(3, '0')}.png`);
      for (const k of keys) await h.storage.putObject(k, Buffer.from(k));
      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page = await h.storage.listPage('15900159000/uploads/', { marker, maxKeys: 10 });
        assert.ok(page.objects.length <= 10);
        seen.push(...page.objects.map((o) => o.key));
        for (const o of page.objects) {
          assert.equal(o.size, Buffer.byteLength(o.key));
          assert.ok(o.lastModified instanceof Date && !Number.isNaN(o.lastModified.getTime()));
        }
        marker = page.nextMarker;
        pages++;
      } while (marker);
      assert.equal(pages, 3);
      assert.deepEqual(seen, keys);
    });

    it('when a prefix is purged, then it is empty and a sibling prefix sharing its digits is untouched', async () => {
      for (let i = 0; i < 12; i++) await h.storage.putObject(`13900139000/documents/enrollment/f${i}.pdf`, Buffer.from('x'));
      await h.storage.putObject('139001390001/uploads/files/keep.txt', Buffer.from('sibling'));
      await h.storage.putObject('13900139000x/keep.txt', Buffer.from('sibling'));
      const result = await deletePrefix(h.storage, '13900139000/', { pageSize: 5 });
      assert.deepEqual(result, { deleted: 12, pages: 3 });
      assert.equal((await h.storage.listPage('13900139000/')).objects.length, 0);
      assert.deepEqual(await h.storage.getObject('139001390001/uploads/files/keep.txt'), Buffer.from('sibling'));
      assert.deepEqual(await h.storage.getObject('13900139000x/keep.txt'), Buffer.from('sibling'));
      assert.deepEqual(await deletePrefix(h.storage, '13900139000/', { pageSize: 5 }), { deleted: 0, pages: 0 });
    });

    it('when temp/ is cleaned with olderThan, then only old files go', async () => {
      await h.storage.putObject('13700137000/temp/old.tmp', Buffer.from('old'));
      await h.storage.putObject('13700137000/temp/new.tmp', Buffer.from('new'));
      await h.age('13700137000/temp/old.tmp', new Date(Date.now() - 8 * 24 * 3600 * 1000));
      const cutoff = new Date(Date.now() - 7 * 24 * 3600 * 1000);
      const result = await deletePrefix(h.storage, '13700137000/temp/', { pageSize: 100, olderThan: cutoff });
      assert.equal(result.deleted, 1);
      assert.equal(await h.storage.getObject('13700137000/temp/old.tmp'), null);
      assert.ok(await h.storage.getObject('13700137000/temp/new.tmp'));
    });

    it('when a prefix without its trailing slash is purged, then it is refused', async () => {
      await assert.rejects(deletePrefix(h.storage, '13700137000'), /must be a relative key ending with "\/"/);
      await assert.rejects(deletePrefix(h.storage, ''), /ending with/);
    });

    it('when tenant folders are ensured twice, then the ten seed folders exist once', async () => {
      const created = await ensureTenantFolders(h.storage, '13600136000/');
      assert.equal(created.length, TENANT_STORAGE_FOLDERS.length);
      assert.deepEqual(await ensureTenantFolders(h.storage, '13600136000/'), []);
      const listed = (await h.storage.listPage('13600136000/')).objects.map((o) => o.key);
      assert.deepEqual(listed, TENANT_STORAGE_FOLDERS.map((f) => `13600136000/${f}.keep`).sort());
    });

    it('when a signed URL is fetched, then it downloads; tampered or expired, it is refused', async () => {
      await h.storage.putObject('13500135000/generated/posters/p.png', Buffer.from('poster-bytes'));
      await h.storage.putObject('13500135000/generated/posters/q.png', Buffer.from('other'));
      const url = await h.storage.signedUrl('13500135000/generated/posters/p.png', 60);
      const ok = await fetch(url);
      assert.equal(ok.status, 200);
      assert.equal(Buffer.from(await ok.arrayBuffer()).toString(), 'poster-bytes');
      const tampered = await fetch(url.replace('p.png', 'q.png'));
      assert.equal(tampered.status, 403);
      await tampered.arrayBuffer();
      const short = await h.storage.signedUrl('13500135000/generated/posters/p.png', 1);
      await sleep(2100);
      const expired = await fetch(short);
      assert.equal(expired.status, 403);
      await expired.arrayBuffer();
    });
  });
}

describe('storage providers', () => {
  let root: string;
  let downloads: http.Server;
  let oss: OssStub;
  const secret = 'local-signing-secret-for-tests';
  const ossSecrets = { LTAI5tOssTestKey: 'oss-test-secret-abcdef' };
  let local: LocalStorageProvider;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'kg-storage-'));
    // Stands in for the control plane's download route, which verifies exactly like this.
    downloads = http.createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = Object.fromEntries(url.searchParams);
      const check = url.pathname === LOCAL_DOWNLOAD_PATH ? verifyDownloadSignature(secret, { key: q.key, expires: q.expires, signature: q.signature }) : { ok: false };
      const body = check.ok ? await local.getObject(q.key) : null;
      res.statusCode = body ? 200 : 403;
      res.end(body ?? 'denied');
    });
    await new Promise<void>((r) => downloads.listen(0, '127.0.0.1', r));
    const port = (downloads.address() as AddressInfo).port;
    local = new LocalStorageProvider({ root, publicBaseUrl: `http://127.0.0.1:${port}`, signingSecret: secret });
    oss = await startOssStub('tenant-storage', ossSecrets);
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
    downloads.closeAllConnections();
    await new Promise((r) => downloads.close(r));
    await oss?.close();
  });

  storageContract('local (folder on disk)', () => ({
    storage: local,
    age: async (key, when) => fs.utimes(local.filePath(key), when, when),
  }));
  storageContract('oss (OSS stub)', () => ({
    storage: new OssStorageProvider({
      accessKeyId: 'LTAI5tOssTestKey',
      accessKeySecret: ossSecrets.LTAI5tOssTestKey,
      bucket: 'tenant-storage',
      region: 'oss-cn-hangzhou',
      endpoint: oss.url,
      cname: true,
    }),
    age: async (key, when) => {
      oss.objects.get(key)!.lastModified = when;
    },
  }));

  describe('local keys and OSS wire protocol', () => {
    it('when a key tries to climb out of the root, then the local provider refuses it', async () => {
      for (const bad of ['../etc/passwd', '/abs/path', 'a/../../b', 'a//b', 'a\\b', 'a/./b', '']) {
        await assert.rejects(local.putObject(bad, Buffer.from('x')), /Invalid object key/, bad);
      }
      await assert.rejects(local.listPage('../'), /Invalid prefix/);
    });

    it('when objects are purged on OSS, then DeleteMultipleObjects is used, one request per page', () => {
      const multi = oss.calls.filter((c) => c.method === 'POST' && 'delete' in c.query);
      assert.ok(multi.length >= 3);
    });

    it('when the OSS secret is wrong, then the stub refuses the signature', async () => {
      const bad = new OssStorageProvider({
        accessKeyId: 'LTAI5tOssTestKey',
        accessKeySecret: 'nope',
        bucket: 'tenant-storage',
        region: 'oss-cn-hangzhou',
        endpoint: oss.url,
        cname: true,
      });
      await assert.rejects(bad.getObject('13800138000/uploads/files/a.bin'), (err: any) => err.code === 'SignatureDoesNotMatch');
    });
  });
});
