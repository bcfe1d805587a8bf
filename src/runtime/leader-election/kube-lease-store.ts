import { z } from "zod";
import { isAlreadyExists, isConflict, isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import type { KubeObject } from "../kube/object.js";
import { builtin } from "../kube/resource.js";
import { LeaseConflictError, type LeaseRecord, type LeaseStore, type ObservedLease } from "./lease-store.js";

const LeaseSpec = z.looseObject({
  holderIdentity: z.string().optional(),
  leaseDurationSeconds: z.number().int().optional(),
  acquireTime: z.string().optional(),
  renewTime: z.string().optional(),
  leaseTransitions: z.number().int().optional(),
});

/** A metav1.MicroTime: RFC 3339 with six fractional digits. */
function microTime(date: Date | undefined): string | undefined {
  return date?.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

function toSpec(record: LeaseRecord): Record<string, unknown> {
  return {
    holderIdentity: record.holderIdentity ?? "",
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: microTime(record.acquireTime),
    renewTime: microTime(record.renewTime),
    leaseTransitions: record.leaseTransitions,
  };
}

/**
 * Leader election's storage on one coordination.k8s.io/v1 Lease. Updates carry the observed resourceVersion,
 * so of two candidates racing for an expired lease exactly one wins; the loser sees a LeaseConflictError.
 */
export class KubeLeaseStore implements LeaseStore {
  /** The Lease as last read, so an update keeps its labels, annotations and spec fields we do not manage. */
  private observed: KubeObject | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async get(signal?: AbortSignal): Promise<ObservedLease | undefined> {
    try {
      const lease = await this.client.get(builtin.lease, this.name, this.namespace, { signal });
      this.observed = lease;
      const spec = LeaseSpec.parse(lease.spec ?? {});
      return {
        resourceVersion: lease.metadata.resourceVersion ?? "",
        record: {
          holderIdentity: spec.holderIdentity,
          leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
          acquireTime: spec.acquireTime === undefined ? undefined : new Date(spec.acquireTime),
          renewTime: spec.renewTime === undefined ? undefined : new Date(spec.renewTime),
          leaseTransitions: spec.leaseTransitions ?? 0,
        },
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async create(record: LeaseRecord, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.create(
        builtin.lease,
        {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.name, namespace: this.namespace },
          spec: toSpec(record),
        },
        this.namespace,
        { signal },
      );
    } catch (err) {
      if (isAlreadyExists(err) || isConflict(err)) throw new LeaseConflictError((err as Error).message);
      throw err;
    }
  }

  async update(record: LeaseRecord, resourceVersion: string, signal?: AbortSignal): Promise<void> {
    const base = this.observed;
    const spec = { ...(base?.spec as Record<string, unknown> | undefined), ...toSpec(record) };
    try {
      await this.client.update(
        builtin.lease,
        {
          ...base,
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { ...base?.metadata, name: this.name, namespace: this.namespace, resourceVersion },
          spec,
        },
        undefined,
        { signal },
      );
    } catch (err) {
      if (isConflict(err)) throw new LeaseConflictError((err as Error).message);
      throw err;
    }
  }
}
