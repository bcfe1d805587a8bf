import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { redactDatabaseUrl } from "../../audit/postgres/connection.js";
import { ENTRIES_TABLE } from "../../audit/postgres/schema.js";
import { verifyAuditDatabase } from "../../audit/postgres/verify-table.js";
import { formatVerification, type AuditVerification } from "../../audit/verification.js";
import { verifyAuditFile } from "../../audit/verify.js";
import { expectPositionals, formatFlags, parseVerbArgs, type GlobalOptions } from "../flags.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

/** Options of `stagegate audit verify`: the audit file or the audit database, and the output format. */
export type AuditVerifyOptions = GlobalOptions &
  ({ file: string; database?: undefined } | { file?: undefined; database: AuditDatabaseConnection });

/** Whether an error means the file could not be read at all (missing, unreadable, a directory). */
function isUnreadable(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";
}

/**
 * `stagegate audit verify FILE` or `--database-url URL`: checks an audit trail's hash chain, in a file or in the
 * PostgreSQL store, and names the first entry tampered with. Exit 0 when intact, 1 when broken, 2 when the trail
 * cannot be read.
 */
export const auditVerifyVerb: Verb<AuditVerifyOptions> = {
  name: "audit verify",
  summary: "Check an audit trail's hash chain; name the first entry tampered with",
  usage: [
    "Usage: stagegate audit verify FILE [-o json]",
    "       stagegate audit verify --database-url URL [--password-file FILE] [-o json]",
    "",
    "Recomputes the hash chain of an audit trail (the JSON-lines file a replica writes with --audit-log, or the",
    "PostgreSQL store every replica shares with --audit-database-url) and names the first entry that was edited,",
    "removed or reordered (a file by line, the database by row in seq order). Exit code 0 when the trail is",
    "intact, 1 when it is broken, 2 when it cannot be read. Needs no cluster.",
    "",
    formatFlags(DATABASE_FLAGS),
    "",
    "Examples:",
    "  stagegate audit verify /var/log/stagegate/audit.jsonl",
    "  stagegate audit verify --database-url postgresql://auditor@db:5432/stagegate --password-file ./pw",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit verify", argv, env, DATABASE_FLAGS);
    const database = databaseConnectionFrom(values);
    if (database !== undefined) {
      expectPositionals(positionals, []);
      return { ...global, database };
    }
    const [file = ""] = expectPositionals(positionals, ["FILE"]);
    return { ...global, file };
  },

  async run(options, io) {
    if (options.database !== undefined) return verifyDatabase(options, options.database, io);
    let result: AuditVerification;
    try {
      result = await verifyAuditFile(options.file);
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      io.stderr(`stagegate audit verify: cannot read ${options.file}: ${err.message}\n`);
      return EXIT.usage;
    }
    if (options.output === "json") writeJson(io, { file: options.file, ...result });
    else io.stdout(`${formatVerification(result, options.file)}\n`);
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};

async function verifyDatabase(
  options: GlobalOptions,
  database: AuditDatabaseConnection,
  io: Parameters<Verb<unknown>["run"]>[1],
): Promise<(typeof EXIT)[keyof typeof EXIT]> {
  const where = redactDatabaseUrl(database.url);
  let result: AuditVerification;
  try {
    result = await verifyAuditDatabase(database);
  } catch (err) {
    io.stderr(`stagegate audit verify: cannot read the audit database ${where}: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  if (options.output === "json") writeJson(io, { database: where, table: ENTRIES_TABLE, ...result });
  else io.stdout(`${formatVerification(result, `${ENTRIES_TABLE} in ${where}`, "row")}\n`);
  return result.ok ? EXIT.ok : EXIT.failed;
}
