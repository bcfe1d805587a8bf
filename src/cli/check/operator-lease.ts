import { z } from "zod";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { builtin } from "../../runtime/kube/resource.js";
import type { Check } from "./check-context.js";
import { failed, passed, unknown, warned, type CheckVerdict } from "./check-result.js";
import { formatSpan } from "./certificates.js";
import { coreResources, listEvery } from "./resources.js";

/** How far the checker's clock may be behind or ahead of the operator's before a fresh lease looks stale. */
export const CLOCK_SKEW_ALLOWANCE_MS = 5_000;

const LeaseSpec = z.looseObject({
  holderIdentity: z.string().optional(),
  leaseDurationSeconds: z.number().optional(),
  renewTime: z.string().optional(),
});

/** Who holds the lease, when present. */
export function leaseHolder(lease: KubeObject | undefined): string | undefined {
  const spec = LeaseSpec.safeParse(lease?.spec ?? {});
  const holder = spec.success ? spec.data.holderIdentity : undefined;
  return holder === "" ? undefined : holder;
}

/**
 * Whether the operator leads: the Lease exists, names a holder, and was renewed within its lease duration (plus a
 * few seconds for clock skew between the operator and the checker). Pure.
 */
export function judgeLease(lease: KubeObject | undefined, where: string, now: Date): CheckVerdict {
  const restart =
    "Check the operator's pods (kubectl get pods and kubectl logs in its namespace): the leader renews the Lease " +
    "every couple of seconds while it runs.";
  if (lease === undefined) {
    return failed(
      `There is no Lease ${where}: no operator has ever led here.`,
      "Start the operator with leader election (the default), or pass --operator-namespace and --lease with its " +
        "--leader-election-namespace and --leader-election-id.",
    );
  }
  const spec = LeaseSpec.safeParse(lease.spec ?? {});
  const holder = leaseHolder(lease);
  if (!spec.success || holder === undefined) {
    return failed(
      `Nobody holds the Lease ${where}: the last leader released it and no replica took over.`,
      restart,
    );
  }
  const renewed = spec.data.renewTime === undefined ? Number.NaN : Date.parse(spec.data.renewTime);
  const durationMs = (spec.data.leaseDurationSeconds ?? 0) * 1000;
  if (Number.isNaN(renewed)) {
    return failed(`The Lease ${where} held by ${holder} carries no renewTime.`, restart);
  }
  const age = now.getTime() - renewed;
  if (age > durationMs + CLOCK_SKEW_ALLOWANCE_MS) {
    return failed(
      `The Lease ${where} held by ${holder} is stale: last renewed ${formatSpan(age)} ago at ` +
        `${new Date(renewed).toISOString()}, and it lasts ${durationMs / 1000}s. No controller runs.`,
      restart,
    );
  }
  return passed(
    `${holder} leads: it renewed the Lease ${where} ${Math.max(0, Math.round(age / 1000))}s ago ` +
      `(lease duration ${durationMs / 1000}s).`,
  );
}

/** The operator leads: its Lease is held and fresh. */
export const operatorLeadingCheck: Check = {
  name: "operator-leading",
  title: "The operator is leading",
  async run(ctx) {
    const where = `${ctx.options.operatorNamespace}/${ctx.options.lease}`;
    return judgeLease(
      await readLease(ctx.client, ctx.options.operatorNamespace, ctx.options.lease),
      where,
      ctx.now,
    );
  },
};

async function readLease(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await client.get(builtin.lease, name, namespace);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const PodStatus = z.looseObject({
  conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).optional(),
});

const isReady = (pod: KubeObject): boolean =>
  (PodStatus.safeParse(pod.status ?? {}).data?.conditions ?? []).some(
    (c) => c.type === "Ready" && c.status === "True",
  );

/** Whether `holder` (POD_NAME, or the default hostname_pid) is this pod's identity. */
const holds = (holder: string, pod: KubeObject): boolean =>
  holder === pod.metadata.name || holder.startsWith(`${pod.metadata.name}_`);

/**
 * Whether the leader's pod is Ready (its /readyz: every informer synced), judged from the pods' Ready conditions
 * (written by the kubelet). Without pods (an operator outside the cluster) readiness is not observable. Pure.
 */
export function judgeReadiness(
  pods: readonly KubeObject[],
  holder: string | undefined,
  selector: string,
  namespace: string,
): CheckVerdict {
  if (pods.length === 0) {
    return unknown(
      `No pod in ${namespace} matches ${selector}, so readiness cannot be observed (the operator may run outside ` +
        "the cluster).",
      "Pass --operator-selector with the labels of the operator's pods.",
    );
  }
  const ready = pods.filter(isReady);
  const counts = `${ready.length} of ${pods.length} operator pods are Ready`;
  if (holder === undefined)
    return failed(`No replica leads, so none runs the controllers; ${counts}.`, "See operator-leading.");
  const leader = pods.find((pod) => holds(holder, pod));
  if (leader === undefined) {
    return warned(
      `The Lease holder ${holder} is none of the pods matching ${selector}; ${counts}.`,
      "Set POD_NAME from the pod's name (the downward API) so the Lease names the leading pod.",
    );
  }
  if (!isReady(leader)) {
    return failed(
      `The leader ${leader.metadata.name} is not Ready: its caches have not synced; ${counts}.`,
      `Read its log: kubectl -n ${namespace} logs ${leader.metadata.name}.`,
    );
  }
  if (ready.length < pods.length) {
    const notReady = pods.filter((pod) => !isReady(pod)).map((pod) => pod.metadata.name);
    return warned(
      `The leader ${leader.metadata.name} is Ready, but ${notReady.join(", ")} ${notReady.length === 1 ? "is" : "are"} not; ${counts}.`,
      `Read their logs (kubectl -n ${namespace} logs POD): a standby that is not Ready cannot take over.`,
    );
  }
  return passed(`The leader ${leader.metadata.name} is Ready; ${counts}.`);
}

/** The leading replica is Ready. */
export const operatorReadyCheck: Check = {
  name: "operator-ready",
  title: "The operator is ready",
  async run(ctx) {
    const { operatorNamespace, operatorSelector, lease } = ctx.options;
    const [pods, found] = await Promise.all([
      listEvery(ctx.client, coreResources.pod, {
        namespace: operatorNamespace,
        labelSelector: operatorSelector,
      }),
      readLease(ctx.client, operatorNamespace, lease),
    ]);
    return judgeReadiness(pods, leaseHolder(found), operatorSelector, operatorNamespace);
  },
};
