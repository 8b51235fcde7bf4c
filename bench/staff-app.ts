/**
 * Staff app figures (docs/staff-app.md, Figures): initial JS + CSS, gzipped, of what the browser
 * loads for the first page of a kindergarten's subdomain (the entry and the sign-in page with
 * their imports and CSS, from Vite's manifest), and the same with the dashboard and with the
 * heaviest pages (the generic collection table used by classes, students, …, and the AI usage page
 * with its chart). Target (initial load): <= 500 KB.
 * Prints a table and writes bench/results/staff-app.json (with the history of earlier runs).
 * A measurement, never a test gate.
 *
 *   npm run build && npx tsx --conditions=development bench/staff-app.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@kg/shared';
import { ensureWebBuilt } from '../test/web/browser';
import { assetSizes } from './web-assets';

const kb = (n: number) => Math.round((n / 1024) * 10) / 10;

function main(): void {
  ensureWebBuilt('tenant-app/web');
  const signIn = assetSizes('tenant-app/web');
  const dashboard = assetSizes('tenant-app/web', 'src/pages/DashboardPage.vue');
  const table = assetSizes('tenant-app/web', 'src/pages/ResourcePage.vue');
  // The AI usage page carries ECharts (core, bar and line charts, grid/legend/tooltip, canvas), loaded only there.
  const usage = assetSizes('tenant-app/web', 'src/pages/UsagePage.vue');
  const file = path.join(repoRoot(), 'bench', 'results', 'staff-app.json');
  const history = fs.existsSync(file) ? ((JSON.parse(fs.readFileSync(file, 'utf8')) as { history?: unknown[] }).history ?? []) : [];
  const result = {
    at: new Date().toISOString(),
    initialAssets: { jsGzipKb: kb(signIn.js), cssGzipKb: kb(signIn.css), totalGzipKb: kb(signIn.js + signIn.css), files: signIn.files },
    withDashboard: { totalGzipKb: kb(dashboard.js + dashboard.css) },
    withCollectionPage: { totalGzipKb: kb(table.js + table.css) },
    withUsagePage: { totalGzipKb: kb(usage.js + usage.css) },
  };
  console.log('\nStaff app');
  console.table({
    'initial JS gzip (KB)': { value: result.initialAssets.jsGzipKb, target: '' },
    'initial CSS gzip (KB)': { value: result.initialAssets.cssGzipKb, target: '' },
    'initial JS+CSS gzip (KB)': { value: result.initialAssets.totalGzipKb, target: '<= 500' },
    'entry + dashboard JS+CSS gzip (KB)': { value: result.withDashboard.totalGzipKb, target: '' },
    'entry + collection page JS+CSS gzip (KB)': { value: result.withCollectionPage.totalGzipKb, target: '' },
    'entry + AI usage page (ECharts) JS+CSS gzip (KB)': { value: result.withUsagePage.totalGzipKb, target: '' },
  });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { files: _files, ...summary } = result.initialAssets;
  fs.writeFileSync(file, JSON.stringify({ ...result, history: [...history, { at: result.at, ...summary, withDashboard: result.withDashboard.totalGzipKb, withCollectionPage: result.withCollectionPage.totalGzipKb, withUsagePage: result.withUsagePage.totalGzipKb }].slice(-20) }, null, 2) + '\n');
}

main();
