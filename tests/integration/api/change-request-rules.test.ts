import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { kubectl } from "../../support/cluster.js";
import {
  createNamespace,
  deleteNamespace,
  installStagegateCrds,
  kubectlOrThrow,
} from "./api-test-helpers.js";

function changeRequest(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: API_VERSION,
    kind: "ChangeRequest",
    metadata: { name },
    spec: {
      releaseRef: { name: "api-1.0.0" },
      environment: "prod",
      type: "Normal",
      justification: "Fixes the refund rounding bug.",
      plannedWindow: { start: "2026-12-08T08:00:00Z", end: "2026-12-08T10:00:00Z" },
      ...extra,
    },
  });
}

const IMMUTABLE =
  "spec.requestedBy is stamped at creation and cannot be added, changed or removed afterwards";

describe("ChangeRequest rules that need a real API server", () => {
  let namespace = "";
  before(async () => {
    await installStagegateCrds();
    namespace = await createNamespace("api-cr-rules");
    await kubectlOrThrow(
      "admin",
      ["create", "-n", namespace, "-f", "-"],
      changeRequest("stamped", { requestedBy: { username: "bob", groups: ["developers"] } }),
    );
    await kubectlOrThrow("admin", ["create", "-n", namespace, "-f", "-"], changeRequest("unstamped"));
  });
  after(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  const patch = (name: string, type: "merge" | "json", body: unknown) =>
    kubectl("admin", [
      "patch",
      "changerequest",
      name,
      "-n",
      namespace,
      `--type=${type}`,
      "-p",
      JSON.stringify(body),
    ]);

  it("refuses to change requestedBy once stamped", async () => {
    const result = await patch("stamped", "merge", { spec: { requestedBy: { username: "mallory" } } });
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.includes(IMMUTABLE), result.stderr);
  });

  it("refuses to remove requestedBy", async () => {
    const result = await patch("stamped", "json", [{ op: "remove", path: "/spec/requestedBy" }]);
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.includes(IMMUTABLE), result.stderr);
  });

  it("refuses to add requestedBy after creation", async () => {
    const result = await patch("unstamped", "merge", { spec: { requestedBy: { username: "mallory" } } });
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.includes(IMMUTABLE), result.stderr);
  });

  it("still lets the rest of the spec change, keeping requestedBy", async () => {
    await patch("stamped", "merge", { spec: { justification: "Also fixes PAY-1301." } }).then((result) =>
      assert.equal(result.code, 0, result.stderr),
    );
    const stored = JSON.parse(
      await kubectlOrThrow("admin", ["get", "changerequest", "stamped", "-n", namespace, "-o", "json"]),
    ) as { spec: { justification: string; requestedBy: unknown } };
    assert.equal(stored.spec.justification, "Also fixes PAY-1301.");
    assert.deepEqual(stored.spec.requestedBy, { username: "bob", groups: ["developers"] });
  });

  it("compares the planned window as instants, not as strings", async () => {
    // 10:00+05:00 is 05:00Z, before 06:00Z: valid although the strings sort the other way.
    const early = await kubectl("admin", ["create", "-n", namespace, "-f", "-"], {
      input: changeRequest("offsets-valid", {
        plannedWindow: { start: "2026-12-08T10:00:00+05:00", end: "2026-12-08T06:00:00Z" },
      }),
    });
    assert.equal(early.code, 0, early.stderr);
    // 09:00+02:00 is 07:00Z, before 08:00Z: invalid although the strings sort the right way.
    const late = await kubectl("admin", ["create", "-n", namespace, "-f", "-"], {
      input: changeRequest("offsets-invalid", {
        plannedWindow: { start: "2026-12-08T08:00:00Z", end: "2026-12-08T09:00:00+02:00" },
      }),
    });
    assert.notEqual(late.code, 0);
    assert.match(late.stderr, /spec\.plannedWindow\.end: .*the planned window must end after it starts/);
  });
});
