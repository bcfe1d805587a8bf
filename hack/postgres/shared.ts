import { writeFileSync } from "node:fs";
import path from "node:path";

/** The variable naming the file that describes the test run's shared PostgreSQL. */
export const SHARED_POSTGRES_ENV = "STAGEGATE_TEST_POSTGRES";

/** How to reach a running server as its superuser; what hack/run-tests.ts shares with the test processes. */
export interface PostgresServer {
  host: string;
  port: number;
  superuser: string;
  superuserPassword: string;
}

/** Writes a server's description (readable by this user only) into `dir`; returns the file. */
export function describePostgres(server: PostgresServer, dir: string): string {
  const file = path.join(dir, "postgres.json");
  const { host, port, superuser, superuserPassword } = server;
  writeFileSync(file, JSON.stringify({ host, port, superuser, superuserPassword }), { mode: 0o600 });
  return file;
}
