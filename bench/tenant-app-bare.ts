/**
 * The baseline of bench/tenant-app.ts: a bare Express + mysql2 handler reading one row from one
 * database, nothing else (no tenant, no token, no RBAC). Started as a child process by the bench.
 *
 *   BARE_PORT=... BARE_DATABASE=... MYSQL_HOST=... node --import tsx bench/tenant-app-bare.ts
 */
import express from 'express';
import mysql from 'mysql2/promise';

const pool = mysql.createPool({
  host: process.env.MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.MYSQL_PORT ?? 3306),
  user: process.env.MYSQL_USER ?? 'root',
  password: process.env.MYSQL_PASSWORD ?? '',
  database: process.env.BARE_DATABASE,
  connectionLimit: Number(process.env.BARE_CONNECTIONS ?? 20),
  timezone: 'Z',
});

const app = express();
app.disable('x-powered-by');
app.get('/bare/classes/:id', async (req, res) => {
  const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT * FROM classes WHERE id = ?', [Number(req.params.id)]);
  res.json({ success: true, data: rows[0] ?? null });
});
const server = app.listen(Number(process.env.BARE_PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ ready: true });
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
