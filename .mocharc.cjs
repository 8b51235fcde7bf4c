// Tests read settings from the real environment only, never from a developer's .env.
process.env.KG_SKIP_DOTENV = '1';
process.env.NODE_ENV = 'test';

// Spec files are listed by `npm test` (package.json), so `npx mocha <file>` runs just that file.
module.exports = {
  'node-option': ['conditions=development', 'import=tsx'],
  timeout: 60000,
  slow: 2000,
  exit: true,
};
