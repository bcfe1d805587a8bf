// Another cluster's kubeconfig gives the dashboard only where that API server is (address, CA, TLS server name);
// credentials in the file are never read, and a server that cannot be verified is refused at start (ADR 0057).
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import type https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { readClusterEndpoint } from "../../../src/dashboard/clusters.js";
import { DashboardConfigError } from "../../../src/dashboard/config.js";
import { bearerCredentials } from "../../../src/dashboard/user-client.js";

async function kubeconfig(
  cluster: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "stagegate-clusters-"));
  await writeFile(path.join(dir, "ca.crt"), "CA-OF-EAST");
  const file = path.join(dir, "east.kubeconfig");
  await writeFile(
    file,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "east", cluster }],
      users: [
        {
          name: "admin",
          user: {
            token: "ADMIN-TOKEN-OF-EAST",
            "client-certificate-data": "Y2VydA==",
            "client-key-data": "a2V5",
          },
        },
      ],
      contexts: [{ name: "east", context: { cluster: "east", user: "admin" } }],
      "current-context": "east",
      ...extra,
    }),
  );
  return file;
}

describe("readClusterEndpoint", () => {
  it("takes the server, the CA (file relative to the kubeconfig) and TLS server name, and no credential", async () => {
    const file = await kubeconfig({
      server: "https://east.example:6443",
      "certificate-authority": "ca.crt",
      "tls-server-name": "kubernetes.east",
    });
    const endpoint = readClusterEndpoint("east", file, false);
    assert.equal(endpoint.server.getCurrentCluster()?.server, "https://east.example:6443");
    const opts: https.RequestOptions = {};
    await endpoint.server.applyToHTTPSOptions(opts);
    assert.deepEqual(opts, { ca: Buffer.from("CA-OF-EAST"), servername: "kubernetes.east" });

    // A person's client for this cluster carries that person's token and nothing of the file's user.
    const person: https.RequestOptions = {};
    await bearerCredentials(endpoint.server, "PERSON-TOKEN").applyToHTTPSOptions(person);
    assert.deepEqual(person.headers, { Authorization: "Bearer PERSON-TOKEN" });
    assert.equal(person.cert, undefined);
    assert.equal(person.key, undefined);
    assert.equal(JSON.stringify(person).includes("ADMIN-TOKEN-OF-EAST"), false);
  });

  it("reads certificate-authority-data", async () => {
    const file = await kubeconfig({
      server: "https://east.example:6443",
      "certificate-authority-data": Buffer.from("INLINE-CA").toString("base64"),
    });
    const opts: https.RequestOptions = {};
    await readClusterEndpoint("east", file, true).server.applyToHTTPSOptions(opts);
    assert.deepEqual(opts.ca, Buffer.from("INLINE-CA"));
  });

  const refused: [what: string, cluster: Record<string, unknown>, message: RegExp][] = [
    ["a plain http server", { server: "http://east.example:8080" }, /server must be an https:\/\/ address/],
    ["no server", {}, /server must be an https:\/\/ address \(found null\)/],
    [
      "insecure-skip-tls-verify",
      { server: "https://east.example:6443", "insecure-skip-tls-verify": true },
      /insecure-skip-tls-verify is set; people's tokens are sent to this server, so give its CA/,
    ],
    [
      "a CA file that is not there",
      { server: "https://east.example:6443", "certificate-authority": "missing.crt" },
      /the cluster's CA cannot be read/,
    ],
  ];
  for (const [what, cluster, message] of refused) {
    it(`refuses ${what}, naming the flag`, async () => {
      const file = await kubeconfig(cluster);
      assert.throws(
        () => readClusterEndpoint("east", file, false),
        (error: unknown) =>
          error instanceof DashboardConfigError &&
          error.message.startsWith(`--cluster east=${file}: `) &&
          message.test(error.message),
      );
    });
  }

  it("refuses a file that cannot be read, naming the flag", () => {
    assert.throws(
      () => readClusterEndpoint("east", "/nonexistent/east.kubeconfig", false),
      /--cluster east=\/nonexistent\/east.kubeconfig: the kubeconfig cannot be read/,
    );
  });
});
