import path from 'node:path';

/** tenant-app/web/dist: the built staff app (docs/staff-app.md, Serving), from both src/ and dist/. */
export const STAFF_APP_DIR = path.resolve(__dirname, '../../web/dist');
