import { z } from "zod";
import { isAlreadyExists, isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { builtin } from "../../runtime/kube/resource.js";

/** The ConfigMap that holds how far the push got, in the operator's namespace. */
export const PUSH_POSITION_CONFIGMAP = "stagegate-audit-push";

/** How far the push got, and what it gave up on (each dead-lettered range, kept for whoever reads the ConfigMap). */
export interface PushPosition {
  /** The seq of the last entry the endpoint acknowledged, or dead-lettered; 0 before the first. */
  seq: number;
  /** Entries dead-lettered so far, as `first-last` ranges, oldest first (at most the last 100 kept). */
  deadLettered: string[];
}

const Data = z.object({
  position: z.string().regex(/^(0|[1-9][0-9]*)$/),
  deadLettered: z.string().optional(),
});

/**
 * The push position, kept in a ConfigMap the operator may get and update by name only (its Role names it), never
 * in the append-only audit table. It survives restarts and leader changes: the next leader reads where the last
 * one stopped. Updates carry the resourceVersion read, so two writers cannot both move it unnoticed.
 */
export class PushPositionStore {
  private current: KubeObject | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
  ) {}

  /** Reads the position; a missing ConfigMap is created at 0 (push from the first entry: nothing is skipped). */
  async read(): Promise<PushPosition> {
    try {
      this.current = await this.client.get(builtin.configMap, PUSH_POSITION_CONFIGMAP, this.namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        this.current = await this.client.create(
          builtin.configMap,
          {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: {
              name: PUSH_POSITION_CONFIGMAP,
              namespace: this.namespace,
              labels: { "app.kubernetes.io/name": "stagegate", "app.kubernetes.io/component": "audit-push" },
            },
            data: { position: "0", deadLettered: "" },
          },
          this.namespace,
        );
      } catch (createErr) {
        if (!isAlreadyExists(createErr)) throw createErr;
        this.current = await this.client.get(builtin.configMap, PUSH_POSITION_CONFIGMAP, this.namespace);
      }
    }
    const data = Data.safeParse((this.current as { data?: unknown }).data ?? {});
    if (!data.success) {
      throw new Error(
        `the ConfigMap ${this.namespace}/${PUSH_POSITION_CONFIGMAP} does not hold a push position (data.position ` +
          "must be a whole number); fix or delete it (deleted: the push starts again from entry 1)",
      );
    }
    const ranges = (data.data.deadLettered ?? "").split(",").filter((range) => range !== "");
    return { seq: Number(data.data.position), deadLettered: ranges };
  }

  /** Writes the position with the resourceVersion last read or written (409 when someone else moved it). */
  async write(position: PushPosition): Promise<void> {
    if (this.current === undefined) await this.read();
    const base = this.current as KubeObject;
    this.current = await this.client.update(builtin.configMap, {
      ...base,
      data: { position: String(position.seq), deadLettered: position.deadLettered.slice(-100).join(",") },
    });
  }
}
