import { readFile } from "node:fs/promises";
import pg from "pg";
import { parse as parseYaml } from "yaml";
import {
  poolConfig,
  redactDatabaseUrl,
  type AuditDatabaseConnection,
} from "../../audit/postgres/connection.js";
import { RETENTION_CLASSES, RetentionPolicy } from "../../audit/retention/policy.js";
import { purgeExpired, type PurgeSummary } from "../../audit/retention/purge.js";
import { UsageError } from "../errors.js";
import { expectPositionals, formatFlags, parseVerbArgs, type GlobalOptions } from "../flags.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

const PERIOD_HELP = "forever (default), 7y, 90d or 2160h";

const FLAGS = {
  ...DATABASE_FLAGS,
  "policy-file": {
    type: "string",
    value: "FILE",
    help: "YAML or JSON with auditEntries, releases, changes, tasks: how long each is kept",
  },
  "audit-entries": {
    type: "string",
    value: "PERIOD",
    help: `how long audit entries are kept: ${PERIOD_HELP}`,
  },
  releases: { type: "string", value: "PERIOD", help: "how long archived releases are kept" },
  changes: { type: "string", value: "PERIOD", help: "how long archived changes are kept" },
  tasks: { type: "string", value: "PERIOD", help: "how long archived tasks are kept" },
  "dry-run": { type: "boolean", help: "say what would be removed; remove and record nothing" },
} as const;

/** Options of `stagegate audit purge`. */
export type AuditPurgeOptions = GlobalOptions & {
  database: AuditDatabaseConnection;
  policyFile?: string | undefined;
  flags: Partial<Record<(typeof RETENTION_CLASSES)[number], string>>;
  dryRun: boolean;
};

const FLAG_OF: Record<(typeof RETENTION_CLASSES)[number], string> = {
  auditEntries: "--audit-entries",
  releases: "--releases",
  changes: "--changes",
  tasks: "--tasks",
};

/** The policy from the file (if any) with the flags over it, validated; errors name the flag or the file's field. */
async function readPolicy(options: AuditPurgeOptions): Promise<RetentionPolicy> {
  let fromFile: unknown = {};
  if (options.policyFile !== undefined) {
    const text = await readFile(options.policyFile, "utf8");
    try {
      fromFile = parseYaml(text) ?? {};
    } catch (err) {
      throw new UsageError(
        `--policy-file ${options.policyFile} is not YAML or JSON: ${(err as Error).message}`,
      );
    }
  }
  const fileParsed = RetentionPolicy.partial().safeParse(fromFile);
  if (!fileParsed.success) {
    const issue = fileParsed.error.issues[0];
    const field = issue?.path.map(String).join(".") ?? "";
    throw new UsageError(
      `--policy-file ${options.policyFile ?? ""}: ${field === "" ? "the file" : field} ${issue?.message ?? ""}` +
        `; it holds auditEntries, releases, changes and tasks, each forever, 7y, 90d or 2160h.`,
    );
  }
  const merged: Record<string, string | undefined> = { ...fileParsed.data };
  for (const key of RETENTION_CLASSES) {
    const value = options.flags[key];
    if (value === undefined) continue;
    const period = RetentionPolicy.shape[key].safeParse(value);
    if (!period.success) throw new UsageError(`${FLAG_OF[key]} ${period.error.issues[0]?.message ?? ""}.`);
    merged[key] = value;
  }
  return RetentionPolicy.parse(merged);
}

/**
 * `stagegate audit purge`: removes what the retention policy says has expired and no legal hold covers, as the
 * purge role, through the purge function only; records `RecordsPurged` in the chain in the same transaction.
 */
export const auditPurgeVerb: Verb<AuditPurgeOptions> = {
  name: "audit purge",
  summary: "Remove expired audit records not under legal hold, and record the purge in the chain",
  usage: [
    "Usage: stagegate audit purge --database-url URL [--password-file FILE] [--policy-file FILE]",
    "         [--audit-entries PERIOD] [--releases PERIOD] [--changes PERIOD] [--tasks PERIOD] [--dry-run] [-o json]",
    "",
    "Connect as the purge role (stagegate audit setup-database --purge-role), never the operator's. Removes audit",
    "entries older than their period from the front of the chain only (up to the first entry that is younger or",
    "under a legal hold, never the last entry), and archived documents whose record closed before their period,",
    "unless a hold covers them. The same transaction appends RecordsPurged with the counts, the range and the",
    "hash of the last removed entry, from which `stagegate audit verify` then checks the chain. Classes without a",
    "period are kept forever. Exit code 0 when done, 1 when the database refused, 2 on bad usage.",
    "",
    formatFlags(FLAGS),
    "",
    "Examples:",
    "  stagegate audit purge --database-url postgresql://stagegate_purge@db:5432/stagegate --password-file ./pw \\",
    "    --policy-file retention.yaml --dry-run",
    "  stagegate audit purge --database-url postgresql://stagegate_purge@db/stagegate --audit-entries 7y --changes 7y",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit purge", argv, env, FLAGS);
    expectPositionals(positionals, []);
    const database = databaseConnectionFrom(values);
    if (database === undefined) {
      throw new UsageError(
        "--database-url is required: the PostgreSQL audit store, as the purge role.",
        true,
      );
    }
    const flags: AuditPurgeOptions["flags"] = {};
    for (const key of RETENTION_CLASSES) {
      const value = values[FLAG_OF[key].slice(2)];
      if (typeof value !== "string") continue;
      const period = RetentionPolicy.shape[key].safeParse(value);
      if (!period.success) throw new UsageError(`${FLAG_OF[key]} ${period.error.issues[0]?.message ?? ""}.`);
      flags[key] = value;
    }
    const policyFile = values["policy-file"];
    return {
      ...global,
      database,
      policyFile: typeof policyFile === "string" ? policyFile : undefined,
      flags,
      dryRun: values["dry-run"] === true,
    };
  },

  async run(options, io) {
    const policy = await readPolicy(options).catch((err: unknown) => {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--policy-file: ${(err as Error).message}`);
    });
    const where = redactDatabaseUrl(options.database.url);
    const client = new pg.Client(await poolConfig(options.database, 1, "stagegate-audit-purge"));
    let summary: PurgeSummary;
    try {
      await client.connect();
      const who = await client.query<{ user: string }>("SELECT session_user AS user");
      summary = await purgeExpired(client, policy, io.now(), who.rows[0]?.user ?? "unknown", options.dryRun);
    } catch (err) {
      io.stderr(`stagegate audit purge: ${where}: ${(err as Error).message}\n`);
      return EXIT.failed;
    } finally {
      await client.end().catch(() => undefined);
    }
    if (options.output === "json") writeJson(io, { database: where, policy, ...summary });
    else io.stdout(`${describePurge(summary)}\n`);
    return EXIT.ok;
  },
};

/** The sentence a person reads after a purge. */
function describePurge(summary: PurgeSummary): string {
  const { entries, archive } = summary;
  const range = entries.removed > 0 ? ` (entries ${entries.firstSeq ?? 0} to ${entries.lastSeq ?? 0})` : "";
  const what =
    `${entries.removed} audit entries${range}, ${archive.releases} archived releases, ` +
    `${archive.changes} archived changes and ${archive.tasks} archived tasks`;
  const holds =
    summary.holds.length === 0 ? "no legal hold in force" : `holds honoured: ${summary.holds.join(", ")}`;
  if (summary.dryRun) return `Would remove ${what}; ${holds}. Nothing was removed (--dry-run).`;
  const record =
    summary.record === undefined ? "nothing to record" : `recorded as entry ${summary.record.seq}`;
  return `Removed ${what}; ${holds}; ${record}.`;
}
