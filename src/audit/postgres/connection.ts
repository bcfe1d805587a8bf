import { readFile } from "node:fs/promises";
import type { PoolConfig } from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
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
 * The node-postgres pool settings for a connection: the URL's parameters (host, port, user, database, sslmode and
 * its files, as libpq-style URLs give them), the password read from the file for every new connection (so a
 * rotated password needs no restart; an unreadable or empty file fails here first), and timeouts that turn an
 * unreachable database into a rejected call instead of a hang.
 */
export async function poolConfig(
  connection: AuditDatabaseConnection,
  max = 4,
  applicationName = "stagegate",
): Promise<PoolConfig> {
  // An empty password from the URL is dropped, so node-postgres falls back to $PGPASSWORD and ~/.pgpass.
  const { password: inUrl, ...fromUrl } = parseIntoClientConfig(connection.url);
  const passwordFile = connection.passwordFile;
  if (passwordFile !== undefined) await readPassword(passwordFile);
  const password =
    passwordFile !== undefined ? () => readPassword(passwordFile) : inUrl === "" ? undefined : inUrl;
  return {
    ...fromUrl,
    ...(password === undefined ? {} : { password }),
    max,
    application_name: applicationName,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 1_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  };
}

/** The password in `file`: its one line, a trailing newline ignored. */
async function readPassword(file: string): Promise<string> {
  const password = (await readFile(file, "utf8")).replace(/\r?\n$/, "");
  if (password === "") throw new Error(`the password file ${file} is empty`);
  return password;
}
