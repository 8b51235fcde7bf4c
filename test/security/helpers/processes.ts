import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@kg/shared/testing';

const ROOT = path.resolve(__dirname, '../../..');

/** A service started as a separate process from its TypeScript entry point. */
export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `entry` (e.g. control-plane/src/start/server.ts) with `env` on a free port (set through
 * `portVariable`) and resolves once it logs `ready`.
 */
export async function startService(entry: string, portVariable: string, env: Record<string, string>, ready: RegExp): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, [portVariable]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${output}`));
    });
  });
  child.stdout!.resume(); // keep draining the log so the child never blocks on a full pipe
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

