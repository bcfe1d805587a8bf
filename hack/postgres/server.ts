import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runCommand } from "../image/command.js";
import { findFreePort } from "../local-cluster/free-port.js";
import { ManagedProcess } from "../local-cluster/process.js";
import { findPostgresBinaries } from "./binaries.js";
import { PostgresToolsError } from "./errors.js";

const run = promisify(execFile);

/** The superuser every test server is initialised with (its password is random per server). */
export const POSTGRES_SUPERUSER = "stagegate_admin";

/** How a test server is started. */
export interface PostgresOptions {
  /**
   * fsync and synchronous commit (a real server's durability); off by default, since tests throw data away. A
   * server process killed without fsync still keeps what was committed synchronously (the WAL is in the page
   * cache), which the audit store insists on per transaction.
   */
  readonly durable?: boolean;
  /** Bound on the wait for the server to accept connections. Default 60 s. */
  readonly startTimeoutMs?: number;
}

/** A running PostgreSQL on loopback, its data and unix socket in a temporary directory. */
export interface StartedPostgres {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly superuser: string;
  readonly superuserPassword: string;
  /** The server process: stop and start it to take the database away and bring it back. */
  readonly process: ManagedProcess;
  /** `postgresql://` URL of `database` as the superuser over TCP. */
  adminUrl(database?: string): string;
  /** Stops the server and removes its directory unless `keepLogs`. Safe to call twice. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

/** Who the server runs as: PostgreSQL refuses root, so as root it runs as the `postgres` user Debian creates. */
interface ServerUser {
  /** Put before a command to run it as that user (setpriv keeps the parent-death signal after the switch). */
  prefix: string[];
  owner?: { uid: number; gid: number };
}

function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) return { prefix: [] };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  } catch (err) {
    throw new PostgresToolsError(
      "PostgreSQL refuses to run as root, and this machine has no `postgres` user to run it as (Debian's " +
        "postgresql-15 package creates one: run `make postgres-tools`).",
      { cause: err },
    );
  }
  return {
    prefix: ["--reuid", String(uid), "--regid", String(gid), "--init-groups", "--pdeathsig", "KILL", "--"],
    owner: { uid, gid },
  };
}

/** A command line run as the server user: setpriv when switching, the command itself otherwise. */
function asUser(user: ServerUser, command: string, args: string[]): [string, string[]] {
  return user.prefix.length === 0
    ? [command, args]
    : ["/usr/bin/setpriv", [...user.prefix, command, ...args]];
}

/**
 * Initialises a cluster in a fresh temporary directory (superuser {@link POSTGRES_SUPERUSER} with a random
 * password; password authentication over TCP, trust only on its private unix socket) and starts it on a free
 * 127.0.0.1 port, waiting until it accepts connections. It dies with this Node process.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<StartedPostgres> {
  const binaries = findPostgresBinaries();
  if (binaries === undefined) {
    throw new PostgresToolsError("PostgreSQL is not installed; run `make postgres-tools` (as root).");
  }
  const user = serverUser();
  const dir = await mkdtemp(join(tmpdir(), "stagegate-postgres-"));
  const data = join(dir, "data");
  const socketDir = join(dir, "socket");
  await mkdir(socketDir);
  const password = randomBytes(18).toString("base64url");
  const passwordFile = join(dir, "superuser.password");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user.owner !== undefined) {
    for (const path of [dir, socketDir, passwordFile]) await chown(path, user.owner.uid, user.owner.gid);
  }
  const initdb = asUser(user, binaries.initdb, [
    `--pgdata=${data}`,
    `--username=${POSTGRES_SUPERUSER}`,
    `--pwfile=${passwordFile}`,
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  try {
    await runCommand(initdb[0], initdb[1], { timeoutMs: 120_000 });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new PostgresToolsError(`initdb failed: ${(err as Error).message}`, { cause: err });
  }
  const port = await findFreePort();
  const durable = options.durable === true ? "on" : "off";
  const [command, args] = asUser(user, binaries.postgres, [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    socketDir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `fsync=${durable}`,
    "-c",
    `synchronous_commit=${durable}`,
    "-c",
    "max_connections=200",
  ]);
  const server = new ManagedProcess({
    name: "postgres",
    command,
    args,
    logFile: join(dir, "postgres.log"),
    readiness: {
      probe: () => isReady(binaries.pgIsready, port),
      timeoutMs: options.startTimeoutMs ?? 60_000,
    },
  });
  try {
    await server.start();
  } catch (err) {
    throw new PostgresToolsError(`PostgreSQL failed to start; state and log kept in ${dir}.`, { cause: err });
  }
  let stopped = false;
  return {
    host: "127.0.0.1",
    port,
    dir,
    superuser: POSTGRES_SUPERUSER,
    superuserPassword: password,
    process: server,
    adminUrl: (database = "postgres") =>
      `postgresql://${POSTGRES_SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      await server.stop(10_000);
      if (stopOptions.keepLogs === true) console.error(`Kept the PostgreSQL state in ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    },
  };
}

/** True once the server accepts connections on 127.0.0.1:port. */
async function isReady(pgIsready: string, port: number): Promise<boolean> {
  try {
    await run(pgIsready, ["-h", "127.0.0.1", "-p", String(port), "-t", "2"], { timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}
