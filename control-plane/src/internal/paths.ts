import path from 'node:path';

/** control-plane/migrations, from both src/ (tsx) and dist/ (node). */
export const CONTROL_MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');
