// Audit checkpoints against the real API server and RBAC, with the operator as its own process: it signs the head of
// its trail into immutable ConfigMaps it may create but never change or delete, and `stagegate audit verify
// --public-key` (the CLI as its own process) checks the trail against them: intact, cut short, and a checkpoint
// forged by someone without the key.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { signCheckpoint } from "../../../src/audit/checkpoints/checkpoint.js";
import { CHECKPOINT_LABEL, checkpointObject } from "../../../src/audit/checkpoints/checkpoint-object.js";
import { keyIdOf } from "../../../src/audit/checkpoints/signing-key.js";
import { resources } from "../../../src/controllers/resources.js";
import { isForbidden } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "../../support/cluster.js";
import { createEnvironment, deleteIgnoringMissing } from "../../support/controller-world.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { argoSyncs } from "../../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { startOperator, type OperatorProcess } from "../../support/operator-process.js";
import { createRelease, syncRequested, waitForEnvState } from "../../support/release-world.js";
import { stagegateAs } from "../cli/cli-helpers.js";

const SHA = "4c4c4c4c9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

describe("audit checkpoints: signed, immutable, and checked by stagegate audit verify", () => {
  let admin: KubeClient;
  let operatorClient: KubeClient;
  let namespace: string;
  let checkpoints: string;
  let operator: OperatorProcess | undefined;
  let dir: string;
  const env = `cp-${Date.now().toString(36)}`;
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const keyFile = () => path.join(dir, "signing.pem");
  const pubFile = () => path.join(dir, "signing.pub");
  const verify = (file: string, extra: string[] = []) =>
    stagegateAs("admin", [
      "audit",
      "verify",
      file,
      `--public-key=${pubFile()}`,
      `--checkpoint-namespace=${checkpoints}`,
      ...extra,
    ]);

  before(
    async () => {
      admin = await clientFor("admin");
      operatorClient = await clientFor("operator");
      namespace = await createTestNamespace(admin, "audit-cp");
      // The checkpoints go to a namespace of their own, with the shipped Role's rules bound to the operator.
      checkpoints = await createTestNamespace(admin, "audit-cps");
      const shipped = await admin.get(
        {
          group: "rbac.authorization.k8s.io",
          version: "v1",
          plural: "roles",
          kind: "Role",
          namespaced: true,
        },
        "stagegate-audit-checkpoints",
        "stagegate-system",
      );
      const rbac = "rbac.authorization.k8s.io";
      await admin.create(
        { group: rbac, version: "v1", plural: "roles", kind: "Role", namespaced: true },
        {
          apiVersion: `${rbac}/v1`,
          kind: "Role",
          metadata: { name: "stagegate-audit-checkpoints", namespace: checkpoints },
          rules: (shipped as unknown as { rules: unknown }).rules,
        },
        checkpoints,
      );
      await admin.create(
        { group: rbac, version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true },
        {
          apiVersion: `${rbac}/v1`,
          kind: "RoleBinding",
          metadata: { name: "stagegate-audit-checkpoints", namespace: checkpoints },
          roleRef: { apiGroup: rbac, kind: "Role", name: "stagegate-audit-checkpoints" },
          subjects: [{ kind: "User", name: "stagegate-operator", apiGroup: rbac }],
        },
        checkpoints,
      );
      dir = await mkdtemp(path.join(tmpdir(), "stagegate-checkpoints-"));
      await writeFile(keyFile(), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      await writeFile(pubFile(), publicKey.export({ type: "spki", format: "pem" }));
      await createEnvironment({ admin, namespace }, env, {
        delivery: { argoCDApplications: { namespaces: [namespace] } },
      });
      await createArgoApplication({ admin, namespace }, "app");
      operator = startOperator(kubeconfigPath("operator"), [
        `--namespace=${namespace}`,
        "--leader-elect=false",
        `--audit-signing-key-file=${keyFile()}`,
        `--audit-checkpoint-namespace=${checkpoints}`,
        "--audit-checkpoint-every=2",
        "--identity=stagegate-cp-0",
      ]);
      await operator.waitForLog("Started workers", { controller: "release" });
      // A promotion writes several entries (lock, promotion, deployed, verified, unlock).
      await createRelease({ admin, namespace }, "shop", {
        version: "1.0.0",
        revision: SHA,
        pipeline: [env],
        targets: [{ environment: env, argoCD: { name: "app", namespace, revision: SHA } }],
      });
      await syncRequested({ admin, namespace }, "app", SHA);
      await argoSyncs(admin, { name: "app", namespace }, { revision: SHA });
      await waitForEnvState({ admin, namespace }, "shop", env, "Verified", 60_000);
      await operator.stop();
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await operator?.stop();
    await deleteIgnoringMissing(admin, resources.environment, env);
    for (const ns of [namespace, checkpoints]) await deleteIgnoringMissing(admin, builtin.namespace, ns);
    operatorClient?.close();
    admin?.close();
  });

  async function published(): Promise<{ name: string; seq: number }[]> {
    const page = await admin.list(builtin.configMap, {
      namespace: checkpoints,
      labelSelector: `${CHECKPOINT_LABEL}=true`,
    });
    return page.items.map((obj) => ({
      name: obj.metadata.name,
      seq: (
        JSON.parse((obj as unknown as { data: Record<string, string> }).data["checkpoint.json"] ?? "{}") as {
          seq: number;
        }
      ).seq,
    }));
  }

  it("publishes signed checkpoints up to the last entry, which verify agrees with", async () => {
    const file = operator?.auditFile ?? "";
    const lines = (await readFile(file, "utf8")).trim().split("\n").length;
    const found = await published();
    assert.ok(found.length >= 2, JSON.stringify(found));
    assert.equal(
      Math.max(...found.map((c) => c.seq)),
      lines,
      "the last checkpoint covers the last entry (clean stop)",
    );
    const result = await verify(file, ["--writer=stagegate-cp-0"]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`${found.length} signed checkpoints agree with .* up to entry ${lines}`),
    );
  });

  it("the operator can neither change nor delete a checkpoint it published", async () => {
    const [first] = await published();
    assert.ok(first !== undefined);
    for (const attempt of [
      () => operatorClient.delete(builtin.configMap, first.name, checkpoints),
      () =>
        operatorClient.patch(
          builtin.configMap,
          first.name,
          checkpoints,
          { data: { signature: "x" } },
          { type: "merge" },
        ),
    ]) {
      await assert.rejects(attempt(), (err: unknown) => isForbidden(err));
    }
  });

  it("names the entries removed from the end of the trail", async () => {
    const cut = path.join(dir, "cut.jsonl");
    const lines = (await readFile(operator?.auditFile ?? "", "utf8")).trim().split("\n");
    await writeFile(cut, `${lines.slice(0, lines.length - 2).join("\n")}\n`);
    const result = await verify(cut);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stdout, /is intact: /, "the chain alone sees nothing");
    assert.match(result.stdout, new RegExp(`EntriesRemoved: .* the trail ends at entry ${lines.length - 2}`));
  });

  it("reports a checkpoint written by someone without the key", async () => {
    const copy = path.join(dir, "copy.jsonl");
    await copyFile(operator?.auditFile ?? "", copy);
    const mallory = generateKeyPairSync("ed25519");
    const entries = (await readFile(copy, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seq: number; hash: string });
    const forged = signCheckpoint(
      {
        version: 1,
        writer: "stagegate-cp-0",
        chain: entries[0]?.hash ?? "",
        seq: 1,
        hash: entries[0]?.hash ?? "",
        time: "2026-12-06T00:00:00Z",
        keyId: keyIdOf(mallory.publicKey),
        previous: "",
      },
      mallory.privateKey,
    );
    const object = checkpointObject(forged, checkpoints) as { metadata: { name: string } };
    object.metadata.name = "mallory-checkpoint";
    await admin.create(builtin.configMap, object, checkpoints);
    const result = await verify(copy);
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      /ForgedCheckpoint: checkpoint mallory-checkpoint: it is signed with key [0-9a-f]{16}, which is not among the trusted keys/,
    );
    await waitFor("the forged checkpoint to go", async () => {
      await deleteIgnoringMissing(admin, builtin.configMap, "mallory-checkpoint", checkpoints);
      return true;
    });
  });
});
