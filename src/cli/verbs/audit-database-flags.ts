import { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { UsageError } from "../errors.js";
import type { FlagSpec } from "../flags.js";

/** The flags of the audit verbs that reach the PostgreSQL audit store. */
export const DATABASE_FLAGS = {
  "database-url": {
    type: "string",
    value: "URL",
    help: "the PostgreSQL audit store, postgresql://USER@HOST:PORT/DB (no password in it)",
  },
  "password-file": {
    type: "string",
    value: "FILE",
    help: "file holding the password of the URL's user (else $PGPASSWORD or ~/.pgpass)",
  },
} as const satisfies Record<string, FlagSpec>;

/**
 * The database connection the flags name, or undefined without --database-url. A password inside the URL is
 * refused (a flag's value shows in the process list and the shell history), and no message repeats the URL.
 */
export function databaseConnectionFrom(
  values: Readonly<Record<string, string | boolean | undefined>>,
): AuditDatabaseConnection | undefined {
  const url = values["database-url"];
  const passwordFile = values["password-file"];
  if (typeof url !== "string") {
    if (typeof passwordFile === "string") throw new UsageError("--password-file needs --database-url.");
    return undefined;
  }
  const parsed = AuditDatabaseConnection.safeParse({
    url,
    ...(typeof passwordFile === "string" ? { passwordFile } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `--${issue?.path[0] === "passwordFile" ? "password-file" : "database-url"} ${issue?.message}.`,
    );
  }
  if (new URL(url).password !== "") {
    throw new UsageError(
      "--database-url must not hold a password (it would show in the process list); use --password-file, " +
        "$PGPASSWORD or ~/.pgpass.",
    );
  }
  return parsed.data;
}
