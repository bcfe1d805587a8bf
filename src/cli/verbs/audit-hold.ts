import pg from "pg";
import { z } from "zod";
import {
  poolConfig,
  redactDatabaseUrl,
  type AuditDatabaseConnection,
} from "../../audit/postgres/connection.js";
import { ACTIVE_HOLDS_VIEW, HOLDS_TABLE } from "../../audit/postgres/retention-migration.js";
import { RETENTION_CLASSES } from "../../audit/retention/policy.js";
import { UsageError } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { formatTable, writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

const FLAGS = {
  ...DATABASE_FLAGS,
  reason: {
    type: "string",
    value: "TEXT",
    help: "why the hold is set or lifted (a case, a ticket); required",
  },
  class: {
    type: "string",
    value: "CLASS",
    help: "only this class: auditEntries, releases, changes or tasks",
  },
  name: { type: "string", value: "NAME", help: "only records about objects of this name" },
} as const;

const HoldName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "the hold's NAME must be lower-case letters, digits and '-', e.g. case-2026-17",
  )
  .max(63, "the hold's NAME must be at most 63 characters");

const HoldFlags = z.object({
  reason: z
    .string()
    .min(1, "--reason must say why")
    .max(2000, "--reason must be at most 2000 characters")
    .optional(),
  class: z
    .enum(RETENTION_CLASSES, { error: "--class must be auditEntries, releases, changes or tasks" })
    .optional(),
  name: z.string().min(1, "--name must name an object").optional(),
});

/** Options of `stagegate audit hold`. */
export type AuditHoldOptions = GlobalOptions &
  z.infer<typeof HoldFlags> & {
    database: AuditDatabaseConnection;
    action: "set" | "lift" | "list";
    hold?: string | undefined;
  };

/**
 * `stagegate audit hold set|lift|list`: legal holds that suspend the purge. Only the audit schema's owner (the
 * administrator) may set or lift one: the operator's role and the purge role can only read them. Every set and
 * lift is kept (the holds table is append-only too), with who did it and why.
 */
export const auditHoldVerb: Verb<AuditHoldOptions> = {
  name: "audit hold",
  summary: "Set, lift or list legal holds that suspend the purge of audit records",
  usage: [
    "Usage: stagegate audit hold set NAME --reason TEXT [--class CLASS] [-n NAMESPACE] [--name NAME] --database-url URL",
    "       stagegate audit hold lift NAME --reason TEXT --database-url URL",
    "       stagegate audit hold list --database-url URL [-o json]",
    "",
    "A hold covers the records of a class (every class without --class), in a namespace and about objects of a",
    "name when given; stagegate audit purge removes nothing it covers, and no entry at or after the first covered",
    "one. Set and lift as the administrator who owns the audit schema: nobody else may. Holds are never deleted;",
    "lifting one adds a lift. Exit code 0 when done, 1 when the database refused, 2 on bad usage.",
    "",
    formatFlags(FLAGS),
    "",
    "Examples:",
    "  stagegate audit hold set case-2026-17 --reason 'Litigation hold, legal ticket LEG-17' -n payments \\",
    "    --database-url postgresql://admin@db:5432/stagegate --password-file ./admin-password",
    "  stagegate audit hold lift case-2026-17 --reason 'Case closed (LEG-17)' --database-url postgresql://admin@db/stagegate",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit hold", argv, env, FLAGS);
    const database = databaseConnectionFrom(values);
    if (database === undefined) throw new UsageError("--database-url is required.", true);
    const action = positionals[0];
    const flags = validateFlags(HoldFlags, { reason: values.reason, class: values.class, name: values.name });
    if (action === "list") {
      expectPositionals(positionals, ["list"]);
      return { ...global, ...flags, database, action };
    }
    if (action !== "set" && action !== "lift") {
      throw new UsageError(
        `say set, lift or list after "stagegate audit hold" (got "${action ?? ""}").`,
        true,
      );
    }
    const [, name = ""] = expectPositionals(positionals, [action, "NAME"]);
    const hold = HoldName.safeParse(name);
    if (!hold.success) throw new UsageError(`${hold.error.issues[0]?.message ?? ""}.`);
    if (flags.reason === undefined) throw new UsageError(`--reason is required to ${action} a hold.`);
    if (
      action === "lift" &&
      (flags.class !== undefined || flags.name !== undefined || global.namespace !== undefined)
    ) {
      throw new UsageError("lift takes only the hold's NAME and --reason: a hold is lifted whole.");
    }
    return { ...global, ...flags, database, action, hold: hold.data };
  },

  async run(options, io) {
    const where = redactDatabaseUrl(options.database.url);
    const client = new pg.Client(await poolConfig(options.database, 1, "stagegate-audit-hold"));
    try {
      await client.connect();
      if (options.action === "list") {
        const holds = await client.query<Record<string, string | null>>(
          `SELECT name, class, namespace, object_name, reason, actor, at::text AS at FROM ${ACTIVE_HOLDS_VIEW} ORDER BY name`,
        );
        if (options.output === "json") writeJson(io, { holds: holds.rows });
        else {
          io.stdout(
            formatTable(
              ["NAME", "CLASS", "NAMESPACE", "OBJECT", "SET BY", "AT", "REASON"],
              holds.rows.map((h) => [
                h.name ?? "",
                h.class ?? "*",
                h.namespace ?? "*",
                h.object_name ?? "*",
                h.actor ?? "",
                h.at ?? "",
                h.reason ?? "",
              ]),
            ),
          );
        }
        return EXIT.ok;
      }
      if (options.action === "lift") {
        const active = await client.query(`SELECT 1 FROM ${ACTIVE_HOLDS_VIEW} WHERE name = $1`, [
          options.hold,
        ]);
        if (active.rowCount === 0) {
          io.stderr(`stagegate audit hold lift: no hold named ${options.hold ?? ""} is in force.\n`);
          return EXIT.failed;
        }
      }
      await client.query(
        `INSERT INTO ${HOLDS_TABLE} (name, action, class, namespace, object_name, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          options.hold,
          options.action,
          options.class ?? null,
          options.namespace ?? null,
          options.name ?? null,
          options.reason,
        ],
      );
      io.stdout(
        `${options.action === "set" ? "Set" : "Lifted"} legal hold ${options.hold ?? ""} in ${where}.\n`,
      );
      return EXIT.ok;
    } catch (err) {
      io.stderr(`stagegate audit hold: ${where}: ${(err as Error).message}\n`);
      return EXIT.failed;
    } finally {
      await client.end().catch(() => undefined);
    }
  },
};
