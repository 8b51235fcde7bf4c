import assert from 'node:assert/strict';
import { DumpCounter } from '../src/modules/backup/dump-counter';

describe('DumpCounter (tables and rows of a SQL dump)', () => {
  it('when a mysqldump-style dump has quoted parentheses, semicolons and escapes, then each table counts its real rows', () => {
    const c = new DumpCounter();
    const dump = [
      'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `rent001` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;',
      'USE `rent001`;',
      'DROP TABLE IF EXISTS `classes`;',
      'CREATE TABLE `classes` (',
      '  `id` int NOT NULL,',
      '  PRIMARY KEY (`id`)',
      ') ENGINE=InnoDB;',
      "INSERT INTO `classes` VALUES (1,'a (b); c'),(2,'it\\'s (x'),(3,NULL);",
      'CREATE TABLE `empty_one` (',
      '  `id` int',
      ');',
    ].join('\n');
    // Split mid-string to prove state carries across chunks.
    c.scan(dump.slice(0, 150));
    c.scan(dump.slice(150));
    assert.deepEqual(c.contents(), { databases: ['rent001'], tables: { classes: 3, empty_one: 0 }, objects: [] });
  });

  it('when the in-code dump writes one tuple per line, then rows are counted the same', () => {
    const c = new DumpCounter();
    c.scan("USE `rent002`;\nDROP TABLE IF EXISTS `t`;\nCREATE TABLE `t` (\n`x` text\n);\nINSERT INTO `t` VALUES\n  ('1'),\n  ('(2)');\nINSERT INTO `t` VALUES\n  ('3');\n");
    assert.deepEqual(c.contents(), { databases: ['rent002'], tables: { t: 3 }, objects: [] });
  });
});
