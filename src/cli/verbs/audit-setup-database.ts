import pg from "pg";
import {
  poolConfig,
  redactDatabaseUrl,
  type AuditDatabaseConnection,
} from "../../audit/postgres/connection.js";
import { ENTRIES_TABLE, setUpAuditDatabase } from "../../audit/postgres/schema.js";
import { UsageError } from "../errors.js";
import { expectPositionals, formatFlags, parseVerbArgs, type GlobalOptions } from "../flags.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

/** Options of `stagegate audit setup-database`: the admin connection and the operator's role. */
export type AuditSetupOptions = GlobalOptions & {
  database: AuditDatabaseConnection;
  operatorRole: string;
  purgeRole?: string | undefined;
};

const FLAGS = {
  ...DATABASE_FLAGS,
  "operator-role": {
    type: "string",
    value: "ROLE",
    help: "the existing role the operator logs in as; granted SELECT and INSERT on the entries, nothing more",
  },
  "purge-role": {
    type: "string",
    value: "ROLE",
    help: "an existing role, not the operator's, that may run stagegate audit purge (ADR 0030)",
  },
} as const;

/**
 * `stagegate audit setup-database`: the admin step of the PostgreSQL audit store. Creates or migrates the schema
 * (idempotent) as an administrator and grants the operator's role only what appending and reading need.
 */
export const auditSetupDatabaseVerb: Verb<AuditSetupOptions> = {
  name: "audit setup-database",
  summary: "Create or migrate the PostgreSQL audit store and grant the operator's role",
  usage: [
    "Usage: stagegate audit setup-database --database-url URL --operator-role ROLE [--purge-role ROLE]",
    "         [--password-file FILE]",
    "",
    "Creates the schema stagegate_audit (or applies the migrations it lacks) in the database of URL, connected as",
    "an administrator who will own it, and grants ROLE, the role the operator logs in as, USAGE on the schema and",
    "SELECT and INSERT on its entries: no UPDATE, DELETE or TRUNCATE, which triggers refuse to everyone anyway.",
    "With --purge-role, that role may call the purge function and append its RecordsPurged entry, nothing more;",
    "legal holds are set and lifted only by the administrator (stagegate audit hold). Safe to run again (for",
    "example on every upgrade). Needs no cluster.",
    "",
    formatFlags(FLAGS),
    "",
    "Example:",
    "  stagegate audit setup-database --database-url postgresql://admin@db:5432/stagegate \\",
    "    --password-file ./admin-password --operator-role stagegate",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit setup-database", argv, env, FLAGS);
    expectPositionals(positionals, []);
    const database = databaseConnectionFrom(values);
    if (database === undefined) throw new UsageError("--database-url is required.", true);
    const operatorRole = values["operator-role"];
    if (typeof operatorRole !== "string" || operatorRole === "") {
      throw new UsageError("--operator-role is required: the role the operator logs in as.", true);
    }
    const purgeRole = values["purge-role"];
    if (purgeRole === operatorRole) {
      throw new UsageError(
        "--purge-role must not be the --operator-role: the operator must never remove records.",
      );
    }
    if (purgeRole !== undefined && (typeof purgeRole !== "string" || purgeRole === "")) {
      throw new UsageError("--purge-role must name an existing role.");
    }
    return { ...global, database, operatorRole, purgeRole };
  },

  async run(options, io) {
    const where = redactDatabaseUrl(options.database.url);
    const client = new pg.Client(await poolConfig(options.database, 1, "stagegate-audit-setup"));
    try {
      await client.connect();
    } catch (err) {
      io.stderr(`stagegate audit setup-database: cannot connect to ${where}: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
    try {
      const setup = await setUpAuditDatabase(client, options.operatorRole, options.purgeRole);
      if (options.output === "json") {
        writeJson(io, { database: where, operatorRole: options.operatorRole, ...setup });
      } else {
        const applied =
          setup.applied.length === 0 ? "already up to date" : `applied ${setup.applied.join(", ")}`;
        io.stdout(
          `audit store ${ENTRIES_TABLE} in ${where} is at schema version ${setup.version} (${applied}); ` +
            `${options.operatorRole} may SELECT and INSERT, nothing more.\n`,
        );
      }
      return EXIT.ok;
    } catch (err) {
      io.stderr(`stagegate audit setup-database: ${where}: ${(err as Error).message}\n`);
      return EXIT.failed;
    } finally {
      await client.end();
    }
  },
};
