// The operator's API client caches its client certificate, key and CA files between requests (issue 12). A rotated
// certificate must still be used by the next request: here the files are rotated to another identity's certificate,
// as a projected volume or cert-manager rotates them, and the API server must see the new identity.
import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { IdentityName } from "../../../hack/local-cluster/identities.js";
import { KubeClient } from "../../../src/runtime/kube/client.js";
import { reviewSelf } from "../../../src/runtime/kube/self-review.js";
import { kubeconfigPath, testCluster } from "../../support/cluster.js";

const IdentityKubeconfig = z.object({
  users: z.tuple([
    z.object({ user: z.object({ "client-certificate": z.string(), "client-key": z.string() }) }),
  ]),
});

/** The certificate and key files the local cluster issued to one identity. */
function issuedFiles(identity: IdentityName): { cert: string; key: string } {
  const config = IdentityKubeconfig.parse(parseYaml(readFileSync(kubeconfigPath(identity), "utf8")));
  const { user } = config.users[0];
  return { cert: user["client-certificate"], key: user["client-key"] };
}

describe("a client certificate rotated under a running client", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "stagegate-cert-rotation-"));
  // A projected volume: tls.crt -> ..data/tls.crt, ..data -> ..<version>.
  const volume = path.join(dir, "volume");
  let versions = 0;
  let client: KubeClient;

  /** Writes `identity`'s certificate and key as a new version of the volume and swaps `..data` to it. */
  function projectVolume(identity: IdentityName): void {
    const version = `..v${versions++}`;
    const files = issuedFiles(identity);
    mkdirSync(path.join(volume, version));
    copyFileSync(files.cert, path.join(volume, version, "tls.crt"));
    copyFileSync(files.key, path.join(volume, version, "tls.key"));
    symlinkSync(version, path.join(volume, "..data_tmp"));
    renameSync(path.join(volume, "..data_tmp"), path.join(volume, "..data"));
  }

  const whoAmI = async (): Promise<string> => (await reviewSelf(client)).username;

  before(async () => {
    const cluster = testCluster();
    mkdirSync(volume);
    projectVolume("bob");
    for (const name of ["tls.crt", "tls.key"])
      symlinkSync(path.join("..data", name), path.join(volume, name));
    const kubeconfig = path.join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name: "local", cluster: { server: cluster.server, "certificate-authority": cluster.caFile } },
        ],
        users: [
          {
            name: "rotating",
            user: {
              "client-certificate": path.join(volume, "tls.crt"),
              "client-key": path.join(volume, "tls.key"),
            },
          },
        ],
        contexts: [{ name: "rotating", context: { cluster: "local", user: "rotating" } }],
        "current-context": "rotating",
      }),
    );
    client = await KubeClient.connect(kubeconfig);
  });
  after(() => {
    client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("authenticates as the identity of the files, request after request", async () => {
    assert.equal(await whoAmI(), "bob");
    assert.equal(await whoAmI(), "bob");
  });

  it("authenticates as the new identity on the next request after the `..data` symlink swap", async () => {
    projectVolume("carol");
    assert.equal(await whoAmI(), "carol");
    assert.equal(await whoAmI(), "carol");
  });

  it("follows files written in place, and files replaced by a rename", async () => {
    const target = path.join(volume, "..data");
    const dave = issuedFiles("dave");
    writeFileSync(path.join(target, "tls.crt"), readFileSync(dave.cert));
    writeFileSync(path.join(target, "tls.key"), readFileSync(dave.key));
    assert.equal(await whoAmI(), "dave");
    const erin = issuedFiles("erin");
    for (const [from, name] of [
      [erin.cert, "tls.crt"],
      [erin.key, "tls.key"],
    ] as const) {
      copyFileSync(from, path.join(target, `${name}.new`));
      renameSync(path.join(target, `${name}.new`), path.join(target, name));
    }
    assert.equal(await whoAmI(), "erin");
  });

  it("fails the next request with the file's error once the certificate is deleted", async () => {
    const deleted = path.join(volume, "..data", "tls.crt");
    unlinkSync(deleted);
    await assert.rejects(whoAmI(), (err: Error) => {
      assert.match(err.message, /ENOENT: no such file or directory, open '.*tls\.crt'/);
      return true;
    });
  });
});
