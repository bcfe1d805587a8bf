import { readFile } from "node:fs/promises";
import type { PoolConfig } from "pg";
import { z } from "zod";

/** Where the audit database is and how to log in: a `postgresql://` URL and, better, a file holding the password. */
export const AuditDatabaseConnection = z.object({
  url: z.string().refine((value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol), {
    message: "must be a postgresql:// URL, for example postgresql://stagegate@db.example:5432/stagegate",
  }),
  passwordFile: z.string().min(1, "must name a file holding the password").optional(),
});
export type AuditDatabaseConnection = z.infer<typeof AuditDatabaseConnection>;

/**
 * How long a connection attempt and one statement may take before `record` rejects (and the caller denies or
 * retries): together under the 10 s the API server gives an admission webhook, so a stalled database yields the
 * webhook's own `AuditUnavailable` denial rather than a timeout.
 */
export const CONNECT_TIMEOUT_MS = 3_000;
const STATEMENT_TIMEOUT_MS = 4_000;

/** The URL with any password replaced by `***`, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unparseable URL)";
  }
}

/**
 * The node-postgres pool settings for a connection: the URL, the password from the file (one line; a trailing
 * newline is ignored), and timeouts that turn an unreachable database into a rejected call instead of a hang.
 */
export async function poolConfig(
  connection: AuditDatabaseConnection,
  max = 4,
  applicationName = "stagegate",
): Promise<PoolConfig> {
  let password: string | undefined;
  if (connection.passwordFile !== undefined) {
    password = (await readFile(connection.passwordFile, "utf8")).replace(/\r?\n$/, "");
    if (password === "") throw new Error(`the password file ${connection.passwordFile} is empty`);
  }
  return {
    // node-postgres lets the URL's (empty) password override a separate `password`, so it goes into the URL.
    connectionString: password === undefined ? connection.url : withPassword(connection.url, password),
    max,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  };
}

function withPassword(url: string, password: string): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
