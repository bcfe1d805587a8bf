// PostgreSQL for the audit-store tests: the run's shared server (hack/run-tests.ts starts one when a selected file
// needs it) or, for a file run on its own, one started for this process; each test gets a database and an operator
// role of its own, set up by the same admin step production runs.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import {
  SHARED_POSTGRES_ENV,
  startPostgres,
  type PostgresServer,
  type StartedPostgres,
} from "../../hack/postgres/index.js";
import { isPidAlive } from "../../hack/local-cluster/pids.js";
import { setUpAuditDatabase } from "../../src/audit/postgres/schema.js";

let own: Promise<StartedPostgres> | undefined;

/** The run's shared server, or one started for this process (it dies with the process). */
export async function sharedPostgres(): Promise<PostgresServer> {
  const file = process.env[SHARED_POSTGRES_ENV];
  if (file !== undefined && file !== "") return JSON.parse(readFileSync(file, "utf8")) as PostgresServer;
  own ??= startPostgres();
  return own;
}

/** A `postgresql://` URL on the server. */
export function databaseUrl(
  server: PostgresServer,
  database: string,
  user = server.superuser,
  password = server.superuserPassword,
): string {
  return `postgresql://${user}:${encodeURIComponent(password)}@${server.host}:${server.port}/${database}`;
}

/** One test's audit database: set up by the admin step, with a least-privileged operator role. */
export interface AuditDatabase {
  server: PostgresServer;
  database: string;
  role: string;
  rolePassword: string;
  /** The superuser's URL of this database. */
  adminUrl: string;
  /** The operator role's URL, password included (tests only; production passes it in a file). */
  operatorUrl: string;
  /** Runs `sql` as the superuser on this database. */
  asAdmin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  /** Runs `sql` as the operator role on this database. */
  asOperator<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
}

/** Runs one statement on a fresh connection. */
async function runOnce<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values?: unknown[],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Creates a database and a login role unique to the caller, and runs the audit schema's admin step on it. */
export async function createAuditDatabase(server?: PostgresServer): Promise<AuditDatabase> {
  const on = server ?? (await sharedPostgres());
  const suffix = randomBytes(4).toString("hex");
  const database = `audit_${suffix}`;
  const role = `stagegate_${suffix}`;
  const rolePassword = randomBytes(12).toString("hex");
  await runOnce(databaseUrl(on, "postgres"), `CREATE DATABASE ${database}`);
  await runOnce(databaseUrl(on, "postgres"), `CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`);
  const adminUrl = databaseUrl(on, database);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await setUpAuditDatabase(admin, role);
  } finally {
    await admin.end();
  }
  const operatorUrl = databaseUrl(on, database, role, rolePassword);
  return {
    server: on,
    database,
    role,
    rolePassword,
    adminUrl,
    operatorUrl,
    asAdmin: (sql, values) => runOnce(adminUrl, sql, values),
    asOperator: (sql, values) => runOnce(operatorUrl, sql, values),
  };
}

/** The operator role's URL without its password, and a file in `dir` holding the password: the CLI's login flags. */
export async function passwordFileLogin(db: AuditDatabase, dir: string): Promise<string[]> {
  const file = path.join(dir, `${db.role}.password`);
  await writeFile(file, `${db.rolePassword}\n`, { mode: 0o600 });
  const url = databaseUrl(db.server, db.database, db.role, "").replace(":@", "@");
  return ["--database-url", url, "--password-file", file];
}

/** The entry table's row count and a digest of its rows, to show a reader left it as it was. */
export function entriesDigest(db: AuditDatabase): Promise<{ rows: string; digest: string }[]> {
  return db.asAdmin<{ rows: string; digest: string }>(
    "SELECT count(*)::text AS rows, md5(string_agg(entry::text, '' ORDER BY seq)) AS digest FROM stagegate_audit.entries",
  );
}

/** The pids whose parent is `pid`, from /proc (a server's backends and workers). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      // The field after the command's closing parenthesis: state, then the parent's pid.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return ppid === pid ? [Number(entry)] : [];
    } catch {
      return []; // gone while listed
    }
  });
}

/**
 * Crashes the whole server, as a machine that dies would: SIGKILL to the postmaster and to every process it
 * started, and waits until none runs. Killing the postmaster alone leaves its backends serving their open
 * connections until they notice it is gone, so a write right after it could still commit.
 */
export async function crashPostgres(server: StartedPostgres): Promise<void> {
  const postmaster = server.process.pid;
  const backends = postmaster === undefined ? [] : childrenOf(postmaster);
  await server.process.kill();
  for (const pid of backends) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (backends.some((pid) => isPidAlive(pid))) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL backends ${backends.join(", ")} outlived SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
