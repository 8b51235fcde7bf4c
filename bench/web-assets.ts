import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { repoRoot } from '@kg/shared';

interface ManifestChunk {
  file: string;
  src?: string;
  imports?: string[];
  css?: string[];
  isEntry?: boolean;
}

export interface AssetSizes {
  files: Array<{ file: string; raw: number; gzip: number }>;
  /** Gzipped bytes (level 9). */
  js: number;
  css: number;
}

/**
 * Files the first page load of a built web app fetches, from Vite's manifest: the entry with its
 * static imports and CSS, plus the first page's chunk (`pageSrc`) with its imports and CSS.
 * Shared by bench/console.ts and bench/staff-app.ts.
 */
export function assetSizes(workspace: 'control-plane/web' | 'tenant-app/web', pageSrc = 'src/pages/SignInPage.vue'): AssetSizes {
  const dist = path.join(repoRoot(), workspace, 'dist');
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
  const wanted = new Set<string>();
  const visit = (key: string) => {
    const chunk = manifest[key];
    if (!chunk || wanted.has(chunk.file)) return;
    wanted.add(chunk.file);
    for (const c of chunk.css ?? []) wanted.add(c);
    for (const i of chunk.imports ?? []) visit(i);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  visit(pageSrc);
  const files = [...wanted].map((file) => {
    const buf = fs.readFileSync(path.join(dist, file));
    return { file, raw: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
  });
  const sum = (ext: string) => files.filter((f) => f.file.endsWith(ext)).reduce((a, f) => a + f.gzip, 0);
  return { files, js: sum('.js'), css: sum('.css') };
}
