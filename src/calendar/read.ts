import { z } from "zod";
import { ChangeRequestSpec, ChangeRequestStatus, changeRequestKind } from "../api/v1alpha1/change-request.js";
import {
  DeploymentTaskSpec,
  DeploymentTaskStatus,
  deploymentTaskKind,
} from "../api/v1alpha1/deployment-task.js";
import { EnvironmentSpec, environmentKind } from "../api/v1alpha1/environment.js";
import { ObjectMeta } from "../api/v1alpha1/meta.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import { ApiError, isForbidden } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { builtin, type ResourceType } from "../runtime/kube/resource.js";
import type { CalendarInputs } from "./inputs.js";

const ChangeObject = z.looseObject({
  metadata: ObjectMeta,
  spec: ChangeRequestSpec,
  status: ChangeRequestStatus.optional(),
});
const TaskObject = z.looseObject({
  metadata: ObjectMeta,
  spec: DeploymentTaskSpec,
  status: DeploymentTaskStatus.optional(),
});
const EnvironmentObject = z.looseObject({ metadata: ObjectMeta, spec: EnvironmentSpec });
const NamespaceObject = z.looseObject({ metadata: ObjectMeta });

/** Something the caller could not read: which resource, where, and the server's words. Never silently dropped. */
export interface Refusal {
  resource: string;
  namespace?: string | undefined;
  message: string;
}

/** What the caller could read, and what was refused or did not parse. */
export interface ReadResult {
  inputs: CalendarInputs;
  /** Labels of every object read, keyed "Kind/namespace/name", for selectors applied after reading. */
  labels: Map<string, Readonly<Record<string, string>>>;
  refused: Refusal[];
}

/** Which namespaces to read: some by name, or every namespace (one cluster-wide list per resource). */
export type NamespaceScope = { all: true } | { all: false; names: readonly string[] };

async function listParsed<T extends z.ZodType>(
  client: KubeClient,
  rt: ResourceType,
  schema: T,
  namespace: string | undefined,
  refused: Refusal[],
): Promise<z.infer<T>[]> {
  const items: z.infer<T>[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.list(rt, { namespace, limit: 500, continue: token });
      for (const raw of page.items) {
        const parsed = schema.safeParse(raw);
        if (parsed.success) items.push(parsed.data);
        else {
          refused.push({
            resource: rt.kind,
            namespace,
            message: `${rt.kind} ${raw.metadata.namespace ?? ""}/${raw.metadata.name} does not match the schema this version knows; it is left out.`,
          });
        }
      }
      token = page.continue;
    } while (token !== undefined);
  } catch (err) {
    if (!(err instanceof ApiError) || !isForbidden(err)) throw err;
    refused.push({ resource: rt.plural, namespace, message: err.message.replace(/^(GET|LIST) \S+: /, "") });
    return [];
  }
  return items;
}

/**
 * Reads what a calendar is built from, as the client's identity: Environments (cluster-wide), ChangeRequests and
 * DeploymentTasks in the namespaces asked for, and those namespaces' labels (for scoped freezes). A refused list
 * is recorded with the server's words; any other error is thrown.
 */
export async function readCalendarInputs(client: KubeClient, scope: NamespaceScope): Promise<ReadResult> {
  const refused: Refusal[] = [];
  const namespaces: (string | undefined)[] = scope.all ? [undefined] : [...scope.names];
  const [environments, changes, tasks, nsObjects] = await Promise.all([
    listParsed(client, resourceOf(environmentKind), EnvironmentObject, undefined, refused),
    Promise.all(
      namespaces.map((ns) => listParsed(client, resourceOf(changeRequestKind), ChangeObject, ns, refused)),
    ),
    Promise.all(
      namespaces.map((ns) => listParsed(client, resourceOf(deploymentTaskKind), TaskObject, ns, refused)),
    ),
    readNamespaceLabels(client, namespaces),
  ]);
  const labels = new Map<string, Readonly<Record<string, string>>>();
  for (const c of changes.flat())
    labels.set(`ChangeRequest/${c.metadata.namespace ?? ""}/${c.metadata.name}`, c.metadata.labels ?? {});
  for (const t of tasks.flat())
    labels.set(`DeploymentTask/${t.metadata.namespace ?? ""}/${t.metadata.name}`, t.metadata.labels ?? {});
  return {
    inputs: {
      environments: environments.map((e) => ({ metadata: e.metadata, spec: { gate: e.spec.gate } })),
      changes: changes.flat(),
      tasks: tasks.flat(),
      namespaceLabels: nsObjects,
    },
    labels,
    refused,
  };
}

/**
 * The labels of the namespaces read, where the caller may read them. A namespace whose labels are unknown is left
 * out, and every freeze then covers it (a freeze errs on the side of holding); that is not a refusal to report.
 */
async function readNamespaceLabels(
  client: KubeClient,
  namespaces: readonly (string | undefined)[],
): Promise<Map<string, Readonly<Record<string, string>>>> {
  const out = new Map<string, Readonly<Record<string, string>>>();
  const ignored: Refusal[] = [];
  if (namespaces.includes(undefined)) {
    for (const ns of await listParsed(client, builtin.namespace, NamespaceObject, undefined, ignored)) {
      out.set(ns.metadata.name, ns.metadata.labels ?? {});
    }
    return out;
  }
  await Promise.all(
    namespaces.map(async (name) => {
      if (name === undefined) return;
      try {
        const ns = NamespaceObject.safeParse(await client.get(builtin.namespace, name));
        if (ns.success) out.set(name, ns.data.metadata.labels ?? {});
      } catch (err) {
        if (!(err instanceof ApiError) || (!isForbidden(err) && err.status !== 404)) throw err;
      }
    }),
  );
  return out;
}
