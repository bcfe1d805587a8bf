import type { z } from "zod";
import type { CheckpointVerification } from "../../audit/checkpoints/check.js";
import {
  formatCheckpointVerification,
  verifyFileAgainstCheckpoints,
  verifyTableAgainstCheckpoints,
} from "../../audit/checkpoints/verify-against.js";
import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { redactDatabaseUrl } from "../../audit/postgres/connection.js";
import { ENTRIES_TABLE } from "../../audit/postgres/schema.js";
import pg from "pg";
import { DATABASE_CHECKPOINT_WRITER } from "../../audit/checkpoints/checkpoint.js";
import { poolConfig } from "../../audit/postgres/connection.js";
import { verifyAuditTable } from "../../audit/postgres/verify-table.js";
import { formatVerification, type AuditVerification } from "../../audit/verification.js";
import { verifyAuditFile } from "../../audit/verify.js";
import { UsageError } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { writeJson } from "../output.js";
import { EXIT, type CliIo, type Verb } from "../verb.js";
import { CHECKPOINT_FLAGS, CheckpointFlags, readCheckpoints } from "./audit-checkpoint-flags.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

const FLAGS = { ...DATABASE_FLAGS, ...CHECKPOINT_FLAGS } as const;

/** Options of `stagegate audit verify`: the audit file or the audit database, and where its checkpoints are. */
export type AuditVerifyOptions = GlobalOptions &
  z.infer<typeof CheckpointFlags> &
  ({ file: string; database?: undefined } | { file?: undefined; database: AuditDatabaseConnection });

/** Whether an error means the file could not be read at all (missing, unreadable, a directory). */
function isUnreadable(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";
}

/**
 * `stagegate audit verify FILE`: checks an audit trail's hash chain and names the first entry edited, removed
 * or reordered, and with `--public-key` checks it against its signed checkpoints; `--database-url` verifies the
 * PostgreSQL store instead. Exit 0 when intact, 1 when broken, 2 when the trail cannot be read.
 */
export const auditVerifyVerb: Verb<AuditVerifyOptions> = {
  name: "audit verify",
  summary: "Check an audit trail's hash chain; name the first entry tampered with",
  usage: [
    "Usage: stagegate audit verify FILE [--public-key FILES [--checkpoint-namespace NAME] [--writer NAME]] [-o json]",
    "       stagegate audit verify --database-url URL [--password-file FILE] [-o json]",
    "",
    "Recomputes the hash chain of an audit trail (the JSON-lines file a replica writes with --audit-log, or the",
    "PostgreSQL store every replica shares with --audit-database-url) and names the first entry that was edited,",
    "removed or reordered (a file by line, the database by row in seq order). With --public-key it also reads the",
    "signed checkpoints the operator published for a file trail (immutable ConfigMaps) and checks the trail",
    "against them: entries removed from its end, a trail rewritten or replaced by anyone without the signing key,",
    "and checkpoints forged or deleted. Exit code 0 when everything agrees, 1 when anything does not, 2 when the",
    "trail or a key cannot be read. Without --public-key it needs no cluster.",
    "",
    formatFlags(FLAGS),
    "",
    "Examples:",
    "  stagegate audit verify /var/log/stagegate/audit.jsonl",
    "  stagegate audit verify audit.jsonl --public-key checkpoint-key.pub --writer stagegate-0",
    "  stagegate audit verify --database-url postgresql://auditor@db:5432/stagegate --password-file ./pw",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit verify", argv, env, FLAGS);
    const database = databaseConnectionFrom(values);
    if (database !== undefined && values.writer !== undefined) {
      throw new UsageError(
        `--writer names a replica's file trail; the database's checkpoints are all ${DATABASE_CHECKPOINT_WRITER}'s: leave it out.`,
      );
    }
    const [file = ""] = database === undefined ? expectPositionals(positionals, ["FILE"]) : [];
    if (database !== undefined) expectPositionals(positionals, []);
    const keys = values["public-key"];
    const flags = validateFlags(CheckpointFlags, {
      publicKeys: typeof keys === "string" ? keys.split(",").map((k) => k.trim()) : undefined,
      checkpointNamespace: values["checkpoint-namespace"],
      writer: values.writer,
    });
    if (
      flags.publicKeys === undefined &&
      (values.writer !== undefined || values["checkpoint-namespace"] !== undefined)
    ) {
      throw new UsageError(
        "--writer and --checkpoint-namespace need --public-key (the keys checkpoints are checked with).",
      );
    }
    if (database !== undefined) return { ...global, database, ...flags, writer: DATABASE_CHECKPOINT_WRITER };
    return { ...global, file, ...flags };
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
    let checkpoints: CheckpointVerification | undefined;
    if (options.publicKeys !== undefined) {
      const read = await readCheckpoints("audit verify", options, options.publicKeys, io);
      if (read === undefined) return EXIT.usage;
      checkpoints = await verifyFileAgainstCheckpoints(options.file, read.found, read.keys, options.writer);
    }
    if (options.output === "json") {
      writeJson(io, { file: options.file, ...result, ...(checkpoints === undefined ? {} : { checkpoints }) });
    } else {
      io.stdout(`${formatVerification(result, options.file)}\n`);
      if (checkpoints !== undefined)
        io.stdout(`${formatCheckpointVerification(checkpoints, options.file)}\n`);
    }
    return result.ok && checkpoints?.ok !== false ? EXIT.ok : EXIT.failed;
  },
};

/** Verifies the database's chain, and with --public-key checks it against the checkpoints of its one series. */
async function verifyDatabase(
  options: AuditVerifyOptions,
  database: AuditDatabaseConnection,
  io: CliIo,
): Promise<(typeof EXIT)[keyof typeof EXIT]> {
  const where = redactDatabaseUrl(database.url);
  const read =
    options.publicKeys === undefined
      ? undefined
      : await readCheckpoints("audit verify", options, options.publicKeys, io);
  if (options.publicKeys !== undefined && read === undefined) return EXIT.usage;
  let result: AuditVerification;
  let checkpoints: CheckpointVerification | undefined;
  const client = new pg.Client(await poolConfig(database, 1, "stagegate-audit-verify"));
  try {
    await client.connect();
    result = await verifyAuditTable(client);
    if (read !== undefined) checkpoints = await verifyTableAgainstCheckpoints(client, read.found, read.keys);
  } catch (err) {
    io.stderr(`stagegate audit verify: cannot read the audit database ${where}: ${(err as Error).message}\n`);
    return EXIT.usage;
  } finally {
    await client.end().catch(() => undefined);
  }
  const name = `${ENTRIES_TABLE} in ${where}`;
  if (options.output === "json") {
    writeJson(io, {
      database: where,
      table: ENTRIES_TABLE,
      ...result,
      ...(checkpoints === undefined ? {} : { checkpoints }),
    });
  } else {
    io.stdout(`${formatVerification(result, name, "row")}\n`);
    if (checkpoints !== undefined) io.stdout(`${formatCheckpointVerification(checkpoints, name)}\n`);
  }
  return result.ok && checkpoints?.ok !== false ? EXIT.ok : EXIT.failed;
}
