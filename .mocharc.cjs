// Tests read settings from the real environment only, never from a developer's .env.
process.env.KG_SKIP_DOTENV = '1';
process.env.NODE_ENV = 'test';

module.exports = {
  spec: [
    'packages/*/test/**/*.test.ts',
    'templates-db/test/**/*.test.ts',
    'control-plane/test/**/*.test.ts',
    'provisioner/test/**/*.test.ts',
    'tenant-app/test/**/*.test.ts',
  ],
  'node-option': ['conditions=development', 'import=tsx'],
  timeout: 60000,
  slow: 2000,
  exit: true,
};
