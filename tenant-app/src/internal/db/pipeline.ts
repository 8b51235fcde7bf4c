/**
 * `SET ROLE` and the statement in one write (docs/privileges.md, The tenant app's switch).
 *
 * MySQL's protocol lets a client send its next command before the answer to the previous one
 * arrives: the server reads commands off the socket one after the other and answers each in
 * order. mysql2 never does that itself (it writes a command only once the previous one has been
 * answered), so a switch used to cost a second round trip and, on the tenant app's side, a
 * second socket write (the dearest single item of the profile under load). Here both COM_QUERY
 * packets leave in one write, and two commands are queued on the mysql2 connection: one that
 * reads the answer to `SET ROLE`, then the statement's own query command, which reads its result
 * as usual but does not write its packet again.
 *
 * This is not a multi-statement text: the connection keeps CLIENT_MULTI_STATEMENTS off, so each
 * COM_QUERY is still one statement for the server, and a statement cannot carry a `SET ROLE`
 * after itself. If `SET ROLE` fails, the server still runs the statement, under the role the
 * connection had before (another tenant's role, or none); MySQL refuses it, since that role has
 * no privilege on this tenant's database, and the caller gets the switch's error and closes the
 * connection (`tenant-app/test/tenant-roles.test.ts`).
 *
 * It uses three things of mysql2 that are not its documented API: the command queue
 * (`addCommand`), the connection's sequence id and `Query.start`'s set-up, which `start` below
 * repeats without the write. The tenant-roles tests run every switch through it.
 */
import type { Connection } from '@kg/shared';

type QueryCallback = (err: Error | null, result?: unknown) => void;

/** The parts of mysql2's callback connection this module uses. */
interface CoreConnection {
  config: { clientFlags: number; charsetNumber: number; compress?: boolean; rowsAsArray?: boolean; constructor: { queryOptions(config: unknown, overrides: unknown): unknown } };
  serverCapabilityFlags?: number;
  clientEncoding: string;
  sequenceId: number;
  format(sql: string, values: unknown[]): string;
  addCommand(cmd: unknown): unknown;
  write(buffer: Buffer): void;
  constructor: { createQuery(sql: string, values: unknown, cb: QueryCallback, config: unknown): MysqlQuery };
}

interface MysqlQuery {
  _connection: unknown;
  options: unknown;
  _queryOptions: unknown;
  _setTimeout(): void;
  resultsetHeader: unknown;
  onResult?: QueryCallback;
}

const COM_QUERY = 0x03;
const CLIENT_QUERY_ATTRIBUTES = 0x08000000;
const MAX_PACKET = 0xffffff;

/** A COM_QUERY packet with sequence id 0 (the first packet of a command). */
function queryPacket(sql: string, withAttributes: boolean): Buffer | null {
  const head = withAttributes ? 7 : 5; // header (4) + command (1) [+ parameter count, set count]
  const length = Buffer.byteLength(sql, 'utf8');
  const payload = head - 4 + length;
  if (payload >= MAX_PACKET) return null;
  const buf = Buffer.allocUnsafe(head + length);
  buf.writeUIntLE(payload, 0, 3);
  buf[3] = 0;
  buf[4] = COM_QUERY;
  if (withAttributes) {
    buf[5] = 0;
    buf[6] = 1;
  }
  buf.write(sql, head, 'utf8');
  return buf;
}

let Prewritten: (new (...args: unknown[]) => MysqlQuery) | undefined;
let RoleAnswer: (new (cb: QueryCallback) => unknown) | undefined;

/** Builds the two command classes from the connection's own mysql2 classes (no deep imports). */
function classesOf(core: CoreConnection): void {
  const probe = core.constructor.createQuery('', undefined, () => undefined, core.config);
  const QueryClass = probe.constructor as new (...args: unknown[]) => MysqlQuery;
  const CommandClass = Object.getPrototypeOf(QueryClass) as new () => { onResult?: QueryCallback };
  const configClass = core.config.constructor;
  /** mysql2's query command whose packet was already sent: Query.start without the write. */
  Prewritten = class extends (QueryClass as new (...args: unknown[]) => MysqlQuery) {
    start(_packet: unknown, connection: CoreConnection): unknown {
      this._connection = connection;
      this.options = configClass.queryOptions(connection.config, this._queryOptions);
      this._setTimeout();
      connection.sequenceId = 1; // its packet went out with sequence id 0
      return this.resultsetHeader;
    }
  };
  /** Reads the OK (or error) that answers the `SET ROLE` sent in the same write. */
  RoleAnswer = class extends CommandClass {
    constructor(cb: QueryCallback) {
      super();
      this.onResult = cb; // also called with the error packet or a lost connection
    }
    start(_packet: unknown, connection: CoreConnection): unknown {
      connection.sequenceId = 1; // its packet went out with sequence id 0; the answer is 1
      return this.answered;
    }
    answered(): null {
      this.onResult!(null);
      return null;
    }
  } as unknown as new (cb: QueryCallback) => unknown;
}

/**
 * Sends `setRole` and then `sql` (with `params` formatted as mysql2's `query` does) on an idle
 * connection in one socket write. `switched` is told whether `SET ROLE` succeeded before `cb`
 * gets the statement's result; when `SET ROLE` failed, `cb` gets that error whatever the
 * statement did. Returns false (nothing sent) where one write cannot be used (compressed
 * protocol, a packet over 16 MB, an encoding other than UTF-8): the caller then switches first.
 */
export function roleThenQuery(
  conn: Connection,
  setRole: string,
  sql: string,
  params: unknown[],
  switched: (err: Error | null) => void,
  cb: QueryCallback,
): boolean {
  const core = (conn as unknown as { connection: CoreConnection }).connection;
  if (core.config.compress || core.clientEncoding !== 'utf8') return false;
  const attrs = (core.config.clientFlags & (core.serverCapabilityFlags ?? 0) & CLIENT_QUERY_ATTRIBUTES) !== 0;
  const text = core.format(sql, params);
  const role = queryPacket(setRole, attrs);
  const statement = queryPacket(text, attrs);
  if (!role || !statement) return false;
  if (!Prewritten) classesOf(core);
  let roleError: Error | null = null;
  const query = new Prewritten!({ sql: text, values: undefined, rowsAsArray: core.config.rowsAsArray }, (err: Error | null, result?: unknown) =>
    roleError ? cb(roleError) : cb(err, result),
  );
  const answer = new RoleAnswer!((err) => {
    roleError = err;
    switched(err);
  });
  // Both commands are queued before anything is written, so the answers find them in order.
  core.addCommand(answer);
  core.addCommand(query);
  core.write(Buffer.concat([role, statement], role.length + statement.length));
  return true;
}
