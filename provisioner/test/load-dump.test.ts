import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DumpCounter } from '../src/modules/backup/dump-counter';
import { IntoDatabase } from '../src/modules/backup/load-dump';

/** The dump text after IntoDatabase, fed in chunks of `size` bytes. */
async function through(dump: string, from: string, to: string, size: number): Promise<string> {
  const out: Buffer[] = [];
  const bytes = Buffer.from(dump, 'utf8');
  const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
  await pipeline(Readable.from(chunks), new IntoDatabase(from, to), async (s: AsyncIterable<Buffer>) => {
    for await (const c of s) out.push(c);
  });
  return Buffer.concat(out).toString('utf8');
}

const MYSQLDUMP = [
  '-- Current Database: `rent001`',
  'CREATE DATABASE /*!32312 IF NOT EXISTS*/ `rent001` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;',
  '',
  'USE `rent001`;',
  'DROP TABLE IF EXISTS `classes`;',
  'CREATE TABLE `classes` (`id` int NOT NULL, `name` text) ENGINE=InnoDB;',
  `INSERT INTO \`classes\` VALUES (1,'USE \`rent002\`; 汉字'),(2,'${'x'.repeat(5000)}');`,
  'USE `rent001`;',
  '',
].join('\n');

describe('IntoDatabase (a dump of one database loaded into a side database)', () => {
  for (const size of [1, 7, 16, 17, 64 * 1024]) {
    it(`when the dump arrives in chunks of ${size} bytes, then only its CREATE DATABASE and USE lines change, to the side database`, async () => {
      const out = await through(MYSQLDUMP, 'rent001', 'rent001__restore_x', size);
      const expected = MYSQLDUMP.replace('IF NOT EXISTS*/ `rent001`', 'IF NOT EXISTS*/ `rent001__restore_x`').replace(/^USE `rent001`;$/gm, 'USE `rent001__restore_x`;');
      assert.equal(out, expected);
      const c = new DumpCounter();
      c.scan(out);
      assert.deepEqual(c.contents(), { databases: ['rent001__restore_x'], tables: { classes: 2 }, objects: [] });
    });
  }

  it('when the in-code dump is loaded, then its CREATE DATABASE IF NOT EXISTS and USE lines name the side database', async () => {
    const dump = 'SET NAMES utf8mb4;\nCREATE DATABASE IF NOT EXISTS `rent001` CHARACTER SET utf8mb4;\nUSE `rent001`;\n';
    assert.equal(await through(dump, 'rent001', 'side1', 5), 'SET NAMES utf8mb4;\nCREATE DATABASE IF NOT EXISTS `side1` CHARACTER SET utf8mb4;\nUSE `side1`;\n');
  });

  for (const line of ['USE `rent002`;', 'use rent002;', '  USE `rent002`;', 'CREATE DATABASE `rent002`;', 'CREATE SCHEMA IF NOT EXISTS rent002;', 'USE `rent001`; DROP DATABASE `rent002`;']) {
    it(`when a dump line is ${JSON.stringify(line)}, then the load stops before sending it`, async () => {
      const dump = `USE \`rent001\`;\nCREATE TABLE \`t\` (id int);\n${line}\nDROP TABLE x;\n`;
      // Fed 3 bytes at a time, each chunk's output collected before the next is written.
      const t = new IntoDatabase('rent001', 'side1');
      const sent: Buffer[] = [];
      let error: Error | undefined;
      t.on('data', (c: Buffer) => sent.push(c));
      t.on('error', (e) => (error = e));
      const bytes = Buffer.from(dump);
      for (let i = 0; i < bytes.length && !error; i += 3) {
        t.write(bytes.subarray(i, i + 3));
        await new Promise((r) => setImmediate(r));
      }
      assert.match(String(error?.message), /names database|does not read/);
      const text = Buffer.concat(sent).toString();
      assert.ok(text.startsWith('USE `side1`;\nCREATE TABLE'), text);
      assert.ok(!text.includes('rent002') && !text.includes('DROP'), text);
    });
  }
});

describe('DumpCounter objects (what RENAME TABLE cannot move)', () => {
  it('when a mysqldump has a trigger, a view and a procedure, then they are listed', () => {
    const c = new DumpCounter();
    c.scan(
      [
        'USE `rent001`;',
        'CREATE TABLE `trigger` (`view` int);',
        '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER rent001.tr AFTER INSERT ON rent001.t FOR EACH ROW INSERT INTO log VALUES (NEW.id) */;;',
        '/*!50001 CREATE VIEW `v` AS SELECT',
        ' 1 AS `id` */;',
        'CREATE DEFINER=`root`@`%` PROCEDURE `p`()',
        '',
      ].join('\n'),
    );
    assert.deepEqual(c.contents().objects, ['procedure', 'trigger', 'view']);
    assert.deepEqual(c.contents().tables, { trigger: 0 });
  });
});
