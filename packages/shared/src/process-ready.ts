/**
 * Tells a process manager that this process is ready to take traffic. PM2 waits for this
 * message when its app says `wait_ready: true` (ecosystem.config.js), so `pm2 reload` only
 * stops an old worker after its replacement has migrated and is listening (docs/operations.md,
 * PM2). Outside PM2 (no IPC channel) it does nothing.
 */
export function signalReady(): void {
  if (typeof process.send === 'function' && process.connected) process.send('ready');
}
