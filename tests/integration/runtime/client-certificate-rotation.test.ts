// The operator's API client caches its client certificate, key and CA files between requests, checking them at most
// once a second (issue 12, ADR 0066). A rotated certificate must still be used: here the files are rotated to another
// identity's certificate, as a projected volume or cert-manager rotates them, and the API server must see the new
// identity, with no request failing on the way.
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
import { waitFor } from "../../support/kube.js";

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

  /**
   * Asks who the client is until the API server names `next`, and asserts that every answer on the way was `previous`
   * or `next`: no request failed, and none went out with half of the rotated pair.
   */
  async function rotatesFrom(previous: string, next: string): Promise<void> {
    const answers: string[] = [];
    await waitFor(`the API server to authenticate the client as ${next}`, async () => {
      const answer = await whoAmI().catch((err: unknown) => `error: ${(err as Error).message}`);
      answers.push(answer);
      return answer === next || answer.startsWith("error") ? true : undefined;
    });
    assert.deepEqual(
      answers.filter((a) => a !== previous && a !== next),
      [],
      `only ${previous} or ${next} answered: ${JSON.stringify(answers)}`,
    );
    assert.equal(answers.at(-1), next);
  }

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

  it("authenticates as the new identity after the `..data` symlink swap, with no request failing", async () => {
    projectVolume("carol");
    await rotatesFrom("bob", "carol");
    assert.equal(await whoAmI(), "carol");
  });

  it("follows files written in place, and files replaced by a rename", async () => {
    const target = path.join(volume, "..data");
    const dave = issuedFiles("dave");
    // Both files written before the next request: a request between the two writes could pair carol's certificate
    // with dave's key (as before the cache; the atomic swap above is how rotations avoid it).
    const daveCert = readFileSync(dave.cert);
    const daveKey = readFileSync(dave.key);
    writeFileSync(path.join(target, "tls.crt"), daveCert);
    writeFileSync(path.join(target, "tls.key"), daveKey);
    await rotatesFrom("carol", "dave");
    const erin = issuedFiles("erin");
    for (const [from, name] of [
      [erin.cert, "tls.crt"],
      [erin.key, "tls.key"],
    ] as const) {
      copyFileSync(from, path.join(target, `${name}.new`));
      renameSync(path.join(target, `${name}.new`), path.join(target, name));
    }
    await rotatesFrom("dave", "erin");
  });

  it("fails requests with the file's error once the certificate is deleted", async () => {
    unlinkSync(path.join(volume, "..data", "tls.crt"));
    const error = await waitFor("a request to fail on the deleted certificate", () =>
      whoAmI().then(
        () => undefined,
        (err: unknown) => err as Error,
      ),
    );
    assert.match(error.message, /ENOENT: no such file or directory, open '.*tls\.crt'/);
  });
});
