// A real git repository served over loopback by `git daemon` (git://127.0.0.1:<port>/<name>), with commits by
// several authors, so the operator reads commit authors from git exactly as it would from a forge.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { waitFor } from "./kube.js";

const run = promisify(execFile);

/** One commit to write: who wrote it, and on which branch (main unless given). */
export interface AuthoredChange {
  name: string;
  email: string;
  message: string;
  branch?: string;
  /** The author date (GIT_AUTHOR_DATE, ISO 8601); now unless given. */
  authoredAt?: string;
}

/** A served repository: its URL and the full id of each commit written, in the order given. */
export interface GitServer {
  /** `git://127.0.0.1:<port>/<name>`, anonymous and read-only. */
  url: string;
  /** `http://127.0.0.1:<port>/<name>` behind HTTP basic authentication, when asked for. */
  httpUrl?: string;
  shas: string[];
  /** Writes one more commit on the served repository (on main unless the change names a branch); its full id. */
  advance(change: AuthoredChange): Promise<string>;
  /** Points the lightweight tag `name` at `sha` in the served repository. */
  tag(name: string, sha: string): Promise<void>;
  stop(): Promise<void>;
}

/** Basic-auth credentials the HTTP endpoint demands. */
export interface HttpCredentials {
  username: string;
  password: string;
}

/** Runs `git http-backend` (CGI) for one request, buffered: enough for the small repositories of tests. */
function httpBackend(root: string, env: NodeJS.ProcessEnv, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const child = spawn("git", ["http-backend"], {
    env: {
      ...env,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.replace(/^\?/, ""),
      REQUEST_METHOD: req.method ?? "GET",
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      REMOTE_USER: "git",
      REMOTE_ADDR: "127.0.0.1",
    },
  });
  const out: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  req.pipe(child.stdin);
  child.on("close", () => {
    const all = Buffer.concat(out);
    const split = all.indexOf("\r\n\r\n");
    const head = all.subarray(0, split < 0 ? 0 : split).toString("utf8");
    let status = 200;
    for (const line of head.split("\r\n")) {
      const [key = "", ...rest] = line.split(":");
      const value = rest.join(":").trim();
      if (key.toLowerCase() === "status") status = Number(value.split(" ")[0]);
      else if (key !== "") res.setHeader(key, value);
    }
    res.writeHead(status).end(all.subarray(split < 0 ? 0 : split + 4));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP port for git daemon");
  return address.port;
}

/**
 * Creates repository `name` with one commit per change (each on its branch, branched from main's tip), serves it
 * read-only with `git daemon` on 127.0.0.1 (and, with `options.http`, over HTTP behind basic authentication through
 * `git http-backend`), and waits until `git ls-remote` answers.
 */
export async function serveGitRepository(
  name: string,
  changes: readonly AuthoredChange[],
  options: { http?: HttpCredentials } = {},
): Promise<GitServer> {
  const base = await mkdtemp(join(tmpdir(), "stagegate-gitd-"));
  const repo = join(base, name);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: base, GIT_CONFIG_NOSYSTEM: "1" };
  const git = async (...args: string[]): Promise<string> =>
    (await run("git", ["-C", repo, ...args], { env, encoding: "utf8" })).stdout.trim();
  await run("git", ["init", "--quiet", "--initial-branch=main", repo], { env });
  const shas: string[] = [];
  const commit = async (i: number, change: AuthoredChange): Promise<string> => {
    const branch = change.branch ?? "main";
    const exists = (await git("branch", "--list", branch)) !== "" || (i === 0 && branch === "main");
    if (i > 0) await git("checkout", "--quiet", ...(exists ? [branch] : ["-b", branch, "main"]));
    await writeFile(join(repo, `change-${i}.txt`), `${change.message}\n`);
    await git("add", ".");
    await run("git", ["-C", repo, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", change.message], {
      env: {
        ...env,
        GIT_AUTHOR_NAME: change.name,
        GIT_AUTHOR_EMAIL: change.email,
        ...(change.authoredAt === undefined ? {} : { GIT_AUTHOR_DATE: change.authoredAt }),
        GIT_COMMITTER_NAME: "CI",
        GIT_COMMITTER_EMAIL: "ci@example.com",
      },
    });
    return git("rev-parse", "HEAD");
  };
  for (const [i, change] of changes.entries()) shas.push(await commit(i, change));
  const port = await freePort();
  const daemon: ChildProcess = spawn(
    "git",
    [
      "daemon",
      "--reuseaddr",
      "--listen=127.0.0.1",
      `--port=${port}`,
      "--export-all",
      `--base-path=${base}`,
      base,
    ],
    { env, stdio: "ignore" },
  );
  const url = `git://127.0.0.1:${port}/${name}`;
  const http = options.http;
  const web =
    http === undefined
      ? undefined
      : createHttpServer((req, res) => {
          const expected = `Basic ${Buffer.from(`${http.username}:${http.password}`).toString("base64")}`;
          if (req.headers.authorization !== expected) {
            res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("authentication required");
            return;
          }
          httpBackend(base, env, req, res);
        });
  if (web !== undefined) await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  const webAddress = web?.address();
  const httpUrl =
    webAddress === undefined || webAddress === null || typeof webAddress === "string"
      ? undefined
      : `http://127.0.0.1:${webAddress.port}/${name}`;
  const stop = async (): Promise<void> => {
    if (web !== undefined) await new Promise<void>((resolve) => web.close(() => resolve()));
    if (daemon.exitCode === null) {
      const exited = new Promise((resolve) => daemon.once("exit", resolve));
      daemon.kill("SIGTERM");
      await exited;
    }
    await rm(base, { recursive: true, force: true });
  };
  try {
    await waitFor(`git daemon serving ${url}`, async () =>
      (await run("git", ["ls-remote", url], { env })).stdout.includes("refs/heads/main") ? true : undefined,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const advance = async (change: AuthoredChange): Promise<string> => {
    const sha = await commit(shas.length, change);
    shas.push(sha);
    return sha;
  };
  const tag = async (name: string, sha: string): Promise<void> => {
    await git("tag", name, sha);
  };
  return { url, ...(httpUrl === undefined ? {} : { httpUrl }), shas, advance, tag, stop };
}
