// The second baseline of `make bench-scale`, fair to custom resources: the same API server's rate of plain writes of
// the operator's own kind. The load generator creates Releases (as scale-world.ts does) and then merge-patches each
// one's status once, `--in-flight` at a time: every cost a CRD write carries that a ConfigMap write does not (JSON
// instead of protobuf in etcd and on the watch, the structural schema's pruning, defaulting and validation, its CEL
// rules, the admission policies matching stagegate.io kinds, managedFields) is in this rate too. Measured before the
// operator starts; the Releases are deleted again before it does, so the operator never sees them.
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { resources } from "../../src/controllers/resources.js";
import { releaseSpec } from "../../tests/support/release-world.js";
import { revisionOf } from "./scale-world.js";
import { runTimed } from "./timed-runs.js";

/** What the Release baseline measured. */
export interface RawReleaseRates {
  readonly createsPerSecond: number;
  /** Status merge patches per second: the write most like the operator's own (a status write of a Release). */
  readonly statusPatchesPerSecond: number;
  /** kube-apiserver CPU seconds over the status patches, divided by their count. */
  readonly apiserverCpuPerStatusPatch: number;
  /**
   * The operator's way of writing a status, for comparison: the whole object PUT to `/status` with its
   * resourceVersion (here from `Deploying` to `Verified`), per second and in kube-apiserver CPU seconds each.
   */
  readonly statusPutsPerSecond: number;
  readonly apiserverCpuPerStatusPut: number;
}

/** A status of the size and shape the operator writes for a one-stage release that is Deploying. */
function deployingStatus(environment: string, revision: string): Record<string, unknown> {
  return {
    observedGeneration: 1,
    currentEnvironment: environment,
    currentState: "Deploying",
    environments: [
      {
        name: environment,
        state: "Deploying",
        reasons: ["Asked the delivery tool to deploy the release."],
        deployStartedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        runningAtPromotion: "",
        deliveryRequestPending: true,
        promotions: 1,
        revision,
      },
    ],
  };
}

/** The status the operator writes when the release is Verified, written over `status`. */
function verifiedStatus(status: unknown): Record<string, unknown> {
  const deploying = status as { environments?: Record<string, unknown>[] } & Record<string, unknown>;
  return {
    ...deploying,
    currentState: "Verified",
    environments: (deploying.environments ?? []).map(({ deliveryRequestPending: _pending, ...env }) => ({
      ...env,
      state: "Verified",
      reasons: ["Verified."],
      verifiedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    })),
  };
}

/**
 * Creates `count` Releases in `namespace` targeting `environment` (`concurrency` in flight), merge-patches each
 * one's status once (the same), then PUTs each one's status once as the operator does, times the series, then
 * deletes the Releases and waits until they are gone.
 */
export async function timeReleaseWrites(
  admin: KubeClient,
  namespace: string,
  {
    count,
    concurrency,
    environment,
    apiserverCpu,
    onPatchesStart,
  }: {
    count: number;
    concurrency: number;
    environment: string;
    /** kube-apiserver's CPU seconds so far. */
    apiserverCpu: () => Promise<number>;
    /**
     * Called as the status patches start (a profile of them is taken from there); what it returns is awaited before
     * the Releases are deleted, so a profile longer than the patches sees them and then an idle server only.
     */
    onPatchesStart?: () => Promise<unknown> | undefined;
  },
): Promise<RawReleaseRates> {
  const rt = resources.release;
  const name = (i: number): string => `raw-rel-${i}`;
  const creates = await runTimed(count, concurrency, async (i) => {
    const revision = revisionOf(1_000_000 + i);
    await admin.create(
      rt,
      {
        apiVersion: API_VERSION,
        kind: "Release",
        metadata: { name: name(i), namespace },
        spec: releaseSpec({
          version: `0.0.${i}`,
          revision,
          pipeline: [environment],
          targets: [{ environment, argoCD: { name: `raw-app-${i}`, namespace, revision } }],
        }),
      },
      namespace,
    );
  });
  const cpuBefore = await apiserverCpu();
  const during = onPatchesStart?.();
  const patched: KubeObject[] = [];
  const patches = await runTimed(count, concurrency, async (i) => {
    patched[i] = await admin.patch(
      rt,
      name(i),
      namespace,
      { status: deployingStatus(environment, revisionOf(1_000_000 + i)) },
      { type: "merge", subresource: "status" },
    );
  });
  const cpu = (await apiserverCpu()) - cpuBefore;
  await during;
  const cpuBeforePuts = await apiserverCpu();
  const puts = await runTimed(count, concurrency, async (i) => {
    const obj = patched[i];
    if (obj === undefined) return;
    // As the operator sends it: its caches keep no managedFields of a Release (ADR 0058), so its PUT has none.
    const { managedFields: _managedFields, ...metadata } = obj.metadata;
    await admin.update(rt, { ...obj, metadata, status: verifiedStatus(obj.status) }, "status");
  });
  const putCpu = (await apiserverCpu()) - cpuBeforePuts;
  await runTimed(count, concurrency, async (i) => {
    await admin.delete(rt, name(i), namespace);
  });
  return {
    createsPerSecond: (count * 1000) / creates.spanMs,
    statusPatchesPerSecond: (count * 1000) / patches.spanMs,
    apiserverCpuPerStatusPatch: cpu / count,
    statusPutsPerSecond: (count * 1000) / puts.spanMs,
    apiserverCpuPerStatusPut: putCpu / count,
  };
}
