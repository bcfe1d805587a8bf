import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { loadKubeConfig } from "../../../src/runtime/kube/kubeconfig.js";
import { leanKubeCredentials } from "../../../src/runtime/kube/kube-credentials.js";

const dir = mkdtempSync(path.join(tmpdir(), "stagegate-kubeconfig-"));
const CA = Buffer.from("ca-bytes").toString("base64");
writeFileSync(path.join(dir, "client.crt"), "client-cert-file");
writeFileSync(path.join(dir, "client.key"), "client-key-file");
writeFileSync(path.join(dir, "ca.crt"), "ca-file");
writeFileSync(path.join(dir, "token"), "token-from-file");

/** Writes a kubeconfig with one cluster, one user and one current context. */
function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster }],
      users: [{ name: "u", user }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "team" } }],
      "current-context": "ctx",
    }),
  );
  return file;
}

/** What a request gets from a kubeconfig: the fields the transport reads, or the error it throws. */
async function applied(source: {
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}): Promise<unknown> {
  const opts: https.RequestOptions = {};
  try {
    await source.applyToHTTPSOptions(opts);
  } catch (err) {
    return { error: (err as Error).message };
  }
  const { ca, cert, key, rejectUnauthorized, servername, headers, auth } = opts;
  return { ca, cert, key, rejectUnauthorized, servername, headers, auth };
}

const server = "https://127.0.0.1:6443";
const lean: [string, string][] = [
  [
    "inline client certificate",
    kubeconfig(
      "cert-data",
      { server, "certificate-authority-data": CA },
      {
        "client-certificate-data": Buffer.from("cert").toString("base64"),
        "client-key-data": Buffer.from("key").toString("base64"),
      },
    ),
  ],
  [
    "certificate files relative to the kubeconfig",
    kubeconfig(
      "cert-files",
      { server, "certificate-authority": "ca.crt" },
      {
        "client-certificate": "client.crt",
        "client-key": "client.key",
      },
    ),
  ],
  [
    "a bearer token and impersonation",
    kubeconfig(
      "token",
      { server, "tls-server-name": "kubernetes" },
      {
        token: "abc",
        as: "alice",
      },
    ),
  ],
  [
    "basic auth, TLS not verified",
    kubeconfig(
      "basic",
      { server, "insecure-skip-tls-verify": true },
      {
        username: "admin",
        password: "secret",
      },
    ),
  ],
  [
    "a token file",
    kubeconfig(
      "token-file",
      { server },
      {
        "auth-provider": { name: "tokenFile", config: { tokenFile: path.join(dir, "token") } },
      },
    ),
  ],
  [
    "plain HTTP without skipping TLS verification",
    kubeconfig("http", { server: "http://127.0.0.1:8080" }, { token: "t" }),
  ],
  [
    "plain HTTP, TLS verification skipped",
    kubeconfig(
      "http-skip",
      {
        server: "http://127.0.0.1:8080",
        "insecure-skip-tls-verify": true,
      },
      { token: "t" },
    ),
  ],
];

describe("lean kubeconfig credentials (ADR 0034)", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [situation, file] of lean) {
    it(`applies ${situation} exactly as client-node's KubeConfig does`, async () => {
      const credentials = leanKubeCredentials(file);
      assert.ok(credentials !== undefined, "loaded without client-node");
      const full = loadKubeConfig(file);
      assert.deepEqual(credentials.getCurrentCluster()?.server, full.getCurrentCluster()?.server);
      assert.deepEqual(await applied(credentials), await applied(full));
    });
  }

  it("merges several files as client-node does: the first file's context wins", async () => {
    const first = lean[2]?.[1] ?? "";
    const other = path.join(dir, "other.yaml");
    writeFileSync(
      other,
      JSON.stringify({
        clusters: [{ name: "c2", cluster: { server: "https://10.0.0.1" } }],
        users: [{ name: "u2", user: { token: "other" } }],
        contexts: [{ name: "ctx2", context: { cluster: "c2", user: "u2" } }],
        "current-context": "ctx2",
      }),
    );
    const joined = [first, other].join(path.delimiter);
    const credentials = leanKubeCredentials(joined);
    assert.ok(credentials !== undefined);
    assert.deepEqual(await applied(credentials), await applied(loadKubeConfig(joined)));
  });

  it("loads the in-cluster service account as client-node does", async () => {
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = "fd00::1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    try {
      const credentials = leanKubeCredentials(undefined);
      assert.ok(credentials !== undefined);
      const full = loadKubeConfig(undefined);
      assert.equal(credentials.getCurrentCluster()?.server, "https://[fd00::1]:443");
      assert.equal(credentials.getCurrentCluster()?.server, full.getCurrentCluster()?.server);
      // No service account here: both fail alike, reading the same file.
      const result = await applied(credentials);
      assert.match(JSON.stringify(result), /serviceaccount\/ca\.crt/);
      assert.deepEqual(result, await applied(full));
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
  });

  it("answers plain HTTP without skipped verification with client-node's error", async () => {
    const credentials = leanKubeCredentials(lean[5]?.[1]);
    assert.ok(credentials !== undefined);
    assert.deepEqual(await applied(credentials), {
      error: "HTTP protocol is not allowed when skipTLSVerify is not set or false",
    });
  });

  const needsClientNode: [string, string][] = [
    [
      "an exec plugin",
      kubeconfig(
        "exec",
        { server },
        { exec: { command: "true", apiVersion: "client.authentication.k8s.io/v1" } },
      ),
    ],
    [
      "an OIDC auth provider",
      kubeconfig("oidc", { server }, { "auth-provider": { name: "oidc", config: {} } }),
    ],
    ["a proxy", kubeconfig("proxy", { server, "proxy-url": "http://proxy:3128" }, { token: "t" })],
    [
      "a file that does not parse",
      (() => {
        const file = path.join(dir, "broken.yaml");
        writeFileSync(file, "clusters: [ {");
        return file;
      })(),
    ],
    ["a file that does not exist", path.join(dir, "missing.yaml")],
  ];
  for (const [situation, file] of needsClientNode) {
    it(`leaves ${situation} to client-node`, () => {
      assert.equal(leanKubeCredentials(file), undefined);
    });
  }
});
