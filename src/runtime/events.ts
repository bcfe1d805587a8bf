import { randomBytes } from "node:crypto";
import type { CallOptions, KubeClient } from "./kube/client.js";
import type { KubeObject } from "./kube/object.js";
import { apiVersionOf, builtin, type ResourceType } from "./kube/resource.js";
import type { Logger } from "./logging.js";

/** One event to record about an object. Reasons are CamelCase; notes are sentences a person can act on. */
export interface EventSpec {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  action?: string;
}

/** The namespace events about cluster-scoped objects go to, as kube components do. */
const CLUSTER_EVENTS_NAMESPACE = "default";

/**
 * Records events.k8s.io/v1 Events about objects, visible in `kubectl describe` and `kubectl events`. Events
 * are a courtesy, not the record: a failure to write one is logged and never fails a reconcile.
 */
export class EventRecorder {
  constructor(
    private readonly client: KubeClient,
    private readonly reportingController: string,
    private readonly reportingInstance: string,
    private readonly log: Logger,
  ) {}

  /** Writes one event about `obj`. */
  async record(rt: ResourceType, obj: KubeObject, event: EventSpec, opts: CallOptions = {}): Promise<void> {
    const namespace = obj.metadata.namespace ?? CLUSTER_EVENTS_NAMESPACE;
    const body = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: {
        name: `${obj.metadata.name}.${Date.now().toString(16)}${randomBytes(3).toString("hex")}`,
        namespace,
      },
      eventTime: microTime(new Date()),
      type: event.type,
      reason: event.reason,
      note: event.message.slice(0, 1024),
      action: event.action ?? event.reason,
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      regarding: {
        apiVersion: apiVersionOf(rt),
        kind: rt.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
    };
    try {
      await this.client.create(builtin.event, body, namespace, opts);
    } catch (err) {
      this.log.warn(
        {
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          reason: event.reason,
          err: (err as Error).message,
        },
        "Failed to record an event",
      );
    }
  }
}

/** A metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
