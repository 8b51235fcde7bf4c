import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '@kg/shared';

/**
 * Browser-test helpers shared by the admin console's and the staff app's tests (docs/console.md,
 * Browser tests; docs/staff-app.md, Browser tests).
 */

/** Debian's chromium package; never a downloaded browser (docs/console.md, Browser tests). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** A CJK font, so Chinese pages render (and screenshot) as a person sees them, not as boxes. */
const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

/**
 * Installs Debian's chromium and a CJK font when missing and we run as root (as ensure-services
 * does for MariaDB).
 */
export function ensureChromium(): void {
  const missing = [
    ...(fs.existsSync(CHROMIUM) ? [] : ['chromium']),
    ...(fs.existsSync(CJK_FONT) ? [] : ['fonts-wqy-microhei']),
  ];
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run "sudo apt-get install -y chromium fonts-wqy-microhei"`);
    return; // without the font Chinese text shows as boxes, but the tests still hold
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  if (r.status !== 0 || !fs.existsSync(CHROMIUM)) throw new Error('could not install chromium with apt-get');
}

/** Builds a web app workspace when its built files are missing (npm test builds them first anyway). */
export function ensureWebBuilt(workspace: 'control-plane/web' | 'tenant-app/web'): void {
  const web = path.join(repoRoot(), workspace);
  if (fs.existsSync(path.join(web, 'dist', 'index.html'))) return;
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: web, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`vite build of ${workspace} failed`);
}

/** Builds the console when its built files are missing. */
export function ensureConsoleBuilt(): void {
  ensureWebBuilt('control-plane/web');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

/**
 * Console errors and uncaught page errors, each tagged with the step that was running, so a
 * test can allow the failed requests it provokes on purpose (a 400 for a wrong SMS code).
 */
export class ConsoleWatch {
  step = 'start';
  readonly errors: Array<{ step: string; text: string }> = [];
  constructor(page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push({ step: this.step, text: m.text() });
    });
    page.on('pageerror', (e) => this.errors.push({ step: this.step, text: `pageerror: ${e.message}` }));
  }
  /** Errors not allowed: anything but failed requests with `allowedStatus` in `allowedSteps`. */
  unexpected(allowed: Record<string, number[]> = {}): string[] {
    return this.errors
      .filter((e) => !(allowed[e.step] ?? []).some((s) => e.text.includes(`status of ${s}`)))
      .map((e) => `[${e.step}] ${e.text}`);
  }
}

/** A full-page screenshot under test-results/<app>/ (console by default). */
export async function screenshot(page: Page, name: string, app = 'console'): Promise<string> {
  const dir = path.join(repoRoot(), 'test-results', app);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
