import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { ensureExim } from "./binaries.js";

/** One mail as the server stored it in a recipient's maildir. */
export interface StoredMail {
  /** The envelope recipient, lower-case (from the `Envelope-to:` header Exim adds). */
  recipient: string;
  headers: Record<string, string>;
  body: string;
  /** The file's name in `new/`: Exim's delivery time in seconds and microseconds come first. */
  file: string;
}

/** A private Exim on a loopback port, delivering every recipient's mail to its own maildir. */
export interface SmtpServer {
  host: string;
  port: number;
  dir: string;
  /** Every mail delivered so far, oldest first. */
  mails(): StoredMail[];
  /** Exim's main log (what it received and delivered). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/**
 * The Exim configuration of a test server: listen on one loopback port, defer (451) `tempfail@...`, refuse (550)
 * `refused@...`, accept any other recipient, and deliver at once
 * to one maildir as the given user, one file per recipient with its `Envelope-to:`. Nothing is relayed anywhere.
 */
function eximConfig(dir: string, port: number, user: string, group: string): string {
  return `keep_environment =
primary_hostname = stagegate-test.local
spool_directory = ${dir}/spool
log_file_path = ${dir}/log/%slog
pid_file_path = ${dir}/exim.pid
daemon_smtp_ports = ${port}
local_interfaces = 127.0.0.1
exim_user = ${user}
exim_group = ${group}
never_users =
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  defer local_parts = tempfail
        message = mailbox busy, try again later
  deny local_parts = refused
       message = no such mailbox
  accept
begin routers
everyone:
  driver = accept
  transport = maildir
begin transports
maildir:
  driver = appendfile
  directory = ${dir}/maildir
  maildir_format
  create_directory
  envelope_to_add
  delivery_date_add
  user = ${user}
  group = ${group}
  mode = 0644
begin retry
* * F,1m,10s
`;
}

function parseMail(file: string, text: string): StoredMail {
  const split = text.indexOf("\n\n");
  const head = split < 0 ? text : text.slice(0, split);
  const headers: Record<string, string> = {};
  let last = "";
  for (const line of head.split("\n")) {
    if (/^[ \t]/.test(line) && last !== "") headers[last] += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      last = line.slice(0, colon).toLowerCase();
      headers[last] = line.slice(colon + 1).trim();
    }
  }
  const recipient = (headers["envelope-to"] ?? "").toLowerCase();
  return { recipient, headers, body: split < 0 ? "" : text.slice(split + 2), file };
}

async function waitForPort(port: number, child: ChildProcess, dir: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) break;
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let log = "";
  try {
    log = readFileSync(path.join(dir, "log", "paniclog"), "utf8");
  } catch {
    // no panic log
  }
  throw new Error(`Exim did not listen on 127.0.0.1:${port} (exit ${child.exitCode}); ${log}`);
}

/**
 * Starts a private Exim (Debian's exim4, installed first when missing) on a free loopback port, in a fresh
 * directory. Run as root it delivers as `nobody` (Exim never delivers as root); otherwise as the calling user.
 */
export async function startSmtpServer(): Promise<SmtpServer> {
  const { exim } = await ensureExim();
  const dir = mkdtempSync(path.join(tmpdir(), "stagegate-smtp-"));
  for (const sub of ["spool", "log", "maildir"]) {
    mkdirSync(path.join(dir, sub));
    chmodSync(path.join(dir, sub), 0o777);
  }
  chmodSync(dir, 0o755);
  const root = process.getuid?.() === 0;
  const user = root ? "nobody" : userInfo().username;
  const group = root ? "nogroup" : String(process.getgid?.() ?? "");
  const port = await freePort();
  const config = path.join(dir, "exim.conf");
  writeFileSync(config, eximConfig(dir, port, user, group));
  const child = spawn(exim, ["-C", config, "-bdf", "-oX", String(port)], { stdio: "ignore" });
  await waitForPort(port, child, dir);
  return {
    host: "127.0.0.1",
    port,
    dir,
    mails() {
      const fresh = path.join(dir, "maildir", "new");
      let files: string[];
      try {
        files = readdirSync(fresh).sort();
      } catch {
        return [];
      }
      return files.map((file) => parseMail(file, readFileSync(path.join(fresh, file), "utf8")));
    },
    log() {
      try {
        return readFileSync(path.join(dir, "log", "mainlog"), "utf8");
      } catch {
        return "";
      }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
