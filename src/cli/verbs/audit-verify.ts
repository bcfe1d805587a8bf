import type { KeyObject } from "node:crypto";
import { z } from "zod";
import type { CheckpointVerification } from "../../audit/checkpoints/check.js";
import { loadTrustedKeys, SigningKeyError } from "../../audit/checkpoints/signing-key.js";
import {
  formatCheckpointVerification,
  listCheckpoints,
  verifyFileAgainstCheckpoints,
} from "../../audit/checkpoints/verify-against.js";
import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { redactDatabaseUrl } from "../../audit/postgres/connection.js";
import { ENTRIES_TABLE } from "../../audit/postgres/schema.js";
import { verifyAuditDatabase } from "../../audit/postgres/verify-table.js";
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
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

const CHECKPOINT_FLAGS = {
  "public-key": {
    type: "string",
    value: "FILES",
    help: "comma-separated PEM files of the trusted ed25519 checkpoint keys: also check FILE against its signed checkpoints",
  },
  "checkpoint-namespace": {
    type: "string",
    value: "NAME",
    help: "namespace of the checkpoint ConfigMaps (default stagegate-system)",
  },
  writer: {
    type: "string",
    value: "NAME",
    help: "the replica that wrote FILE (its pod name): also detects a trail replaced as a whole",
  },
} as const;

const FLAGS = { ...DATABASE_FLAGS, ...CHECKPOINT_FLAGS } as const;

const CheckpointFlags = z.object({
  publicKeys: z.array(z.string().min(1, "--public-key must name PEM files, separated by commas")).optional(),
  checkpointNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "--checkpoint-namespace must be a namespace name")
    .default("stagegate-system"),
  writer: z.string().min(1).max(253, "--writer must be a pod name").optional(),
});

/** Options of `stagegate audit verify`: the audit file (and where its checkpoints are) or the audit database. */
export type AuditVerifyOptions = GlobalOptions &
  (
    | ({ file: string; database?: undefined } & z.infer<typeof CheckpointFlags>)
    | { file?: undefined; database: AuditDatabaseConnection }
  );

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
    const checkpointFlag = ["public-key", "checkpoint-namespace", "writer"].find(
      (f) => values[f] !== undefined,
    );
    if (database !== undefined) {
      if (checkpointFlag !== undefined) {
        throw new UsageError(
          `--${checkpointFlag} checks a file trail's checkpoints: leave out --database-url.`,
        );
      }
      expectPositionals(positionals, []);
      return { ...global, database };
    }
    const [file = ""] = expectPositionals(positionals, ["FILE"]);
    const keys = values["public-key"];
    const flags = validateFlags(CheckpointFlags, {
      publicKeys: typeof keys === "string" ? keys.split(",").map((k) => k.trim()) : undefined,
      checkpointNamespace: values["checkpoint-namespace"],
      writer: values.writer,
    });
    if (flags.publicKeys === undefined && checkpointFlag !== undefined) {
      throw new UsageError(
        "--writer and --checkpoint-namespace need --public-key (the keys checkpoints are checked with).",
      );
    }
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
      let keys: Map<string, KeyObject>;
      try {
        keys = await loadTrustedKeys(options.publicKeys);
      } catch (err) {
        if (!(err instanceof SigningKeyError)) throw err;
        io.stderr(`stagegate audit verify: --public-key: ${err.message}\n`);
        return EXIT.usage;
      }
      const found = await withSession(io, options.kubeconfig, ({ client }) =>
        listCheckpoints(client, options.checkpointNamespace),
      );
      checkpoints = await verifyFileAgainstCheckpoints(options.file, found, keys, options.writer);
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
