// A real Helm chart repository served over loopback: charts made by the real helm (`helm create`, `helm package`
// at each version, `helm repo index`) and served as static files by node:http at http://127.0.0.1:<port>/charts,
// optionally behind basic auth, as a chart museum or a static site serves them. Requests are recorded, so a test
// can tell whether anything was fetched.
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { parse } from "yaml";
import { runHelm } from "../../hack/local-cluster/index.js";
import { helmBinary } from "./install-cluster.js";

/** Basic-auth credentials the repository demands. */
export interface ChartRepositoryCredentials {
  username: string;
  password: string;
}

/** A served chart repository. */
export interface ChartRepository {
  /** `http://127.0.0.1:<port>/charts`: the HelmRepository's spec.url. */
  url: string;
  /** The request paths served so far, in order (index.yaml reads included). */
  requests: string[];
  /** Packages `version` of the chart too and indexes the repository again. */
  publish(version: string): Promise<void>;
  /** The digest `helm repo index` wrote for `version`. */
  digestOf(version: string): Promise<string>;
  stop(): Promise<void>;
}

/** Runs the pinned helm without a cluster, failing with helm's words. */
async function helm(stateDir: string, args: string[]): Promise<string> {
  const result = await runHelm({ helm: await helmBinary(), stateDir }, args);
  if (result.code !== 0) throw new Error(`helm ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * Creates chart `chart` with `helm create`, packages it at each of `versions`, indexes the repository with
 * `helm repo index`, and serves it on 127.0.0.1 (behind basic auth when `credentials` are given).
 */
export async function serveChartRepository(
  chart: string,
  versions: readonly string[],
  credentials?: ChartRepositoryCredentials,
): Promise<ChartRepository> {
  const dir = await mkdtemp(join(tmpdir(), "stagegate-charts-"));
  const state = join(dir, "helm-state");
  const repo = join(dir, "repo");
  await helm(state, ["create", join(dir, chart)]);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    requests.push(path);
    const expected =
      credentials === undefined
        ? undefined
        : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    if (expected !== undefined && req.headers.authorization !== expected) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="charts"' }).end();
      return;
    }
    const file = normalize(path.replace(/^\/charts\//, ""));
    if (!path.startsWith("/charts/") || file.startsWith("..") || file.includes("/")) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(repo, file)).then(
      (body) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/charts`;
  const publish = async (version: string): Promise<void> => {
    await helm(state, [
      "package",
      join(dir, chart),
      `--version=${version}`,
      `--app-version=${version}`,
      `--destination=${repo}`,
    ]);
    await helm(state, ["repo", "index", repo, `--url=${url}`]);
  };
  for (const version of versions) await publish(version);
  return {
    url,
    requests,
    publish,
    async digestOf(version) {
      const index = parse(await readFile(join(repo, "index.yaml"), "utf8")) as {
        entries: Record<string, { version: string; digest?: string }[]>;
      };
      const digest = index.entries[chart]?.find((e) => e.version === version)?.digest;
      if (digest === undefined) throw new Error(`index.yaml lists no digest for ${chart} ${version}`);
      return digest;
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
