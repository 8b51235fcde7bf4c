import { execFileSync, spawnSync } from 'node:child_process';

/** True when `bin` runs (found on PATH). */
export function hasCommand(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Makes `bin` available, installing Debian's `pkg` when it is missing (CI runs as root on a fresh
 * machine). Services that come with the package are not started: only the binary is used.
 */
export function ensureCommand(bin: string, pkg: string): void {
  if (hasCommand(bin)) return;
  if (process.getuid?.() !== 0) throw new Error(`${bin} is missing; install it with: sudo apt-get install -y ${pkg}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { env, stdio: 'ignore', timeout: 600_000 });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { env, stdio: 'ignore', timeout: 600_000 });
    install();
  }
  if (!hasCommand(bin)) throw new Error(`${bin} still missing after apt-get install ${pkg}`);
}
