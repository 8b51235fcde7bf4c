import path from 'node:path';

/** control-plane/migrations, from both src/ (tsx) and dist/ (node). */
export const CONTROL_MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

/** control-plane/web/dist: the built admin console (docs/console.md), from both src/ and dist/. */
export const ADMIN_CONSOLE_DIR = path.resolve(__dirname, '../../web/dist');
