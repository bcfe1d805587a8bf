import type { ArchiveClass } from "../../audit/archive/document.js";
import type { ArchivableObject, Archiver, LiveReader } from "../../audit/archive/archiver.js";
import { Controller, type ReconcileRequest } from "../../runtime/controller.js";
import type { Informer } from "../../runtime/informer/informer.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";

/** The resource each archive class is read from, live. */
const RESOURCE_OF = {
  release: resources.release,
  change: resources.changeRequest,
  task: resources.deploymentTask,
} as const;

/**
 * Reads a closed record live, by its name and namespace (undefined when the API server answers 404): the archiver
 * checks that what it returns is the same record (ADR 0058). One GET per record, only when it is sealed.
 */
export function liveReaderOf(client: KubeClient): LiveReader {
  return async (archiveClass, closing): Promise<ArchivableObject | undefined> => {
    try {
      return await client.get(RESOURCE_OF[archiveClass], closing.metadata.name, closing.metadata.namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}

/** The informer each archive class is read from. */
function informerOf(archiveClass: ArchiveClass, informers: Informers): Informer {
  switch (archiveClass) {
    case "release":
      return informers.releases;
    case "change":
      return informers.changeRequests;
    case "task":
      return informers.deploymentTasks;
  }
}

/** A change's Approvals: the objects owned by it (by uid) that hold the decisions. */
function relatedOf(archiveClass: ArchiveClass, obj: KubeObject, informers: Informers): KubeObject[] {
  if (archiveClass !== "change") return [];
  const uid = obj.metadata.uid;
  return informers.approvals.store
    .list()
    .filter(
      (approval) =>
        approval.metadata.namespace === obj.metadata.namespace &&
        approval.metadata.ownerReferences?.some((ref) => ref.uid === uid) === true,
    )
    .map((approval) => ({ ...approval, kind: approval.kind ?? "Approval" }));
}

/**
 * One archive controller per class (leader only, like every controller): when a Release completes, a
 * ChangeRequest closes or a DeploymentTask ends (as the cache shows it), the archiver reads it live, stores its
 * document once and records it in the chain. It writes nothing to the cluster. Objects known archived in this
 * process are skipped without a query; a closed record deleted before it could be read is reported once.
 */
export function createArchiveControllers(
  deps: ControllerDeps,
  informers: Informers,
  archiver: Archiver,
): Controller[] {
  return (["release", "change", "task"] as const).map((archiveClass) => {
    const primary = informerOf(archiveClass, informers);
    const done = new Set<string>();
    async function reconcile(req: ReconcileRequest): Promise<void> {
      const obj = primary.store.get(req.key);
      const uid = obj?.metadata.uid;
      if (obj === undefined || uid === undefined || done.has(uid)) return;
      const outcome = await archiver.archive(archiveClass, obj, relatedOf(archiveClass, obj, informers));
      if (outcome.kind === "open") return;
      done.add(uid);
      if (outcome.kind === "already") return;
      if (outcome.kind === "gone") {
        req.log.warn(
          { class: archiveClass, namespace: req.namespace, name: req.name, uid, problem: outcome.problem },
          "Could not archive a closed record: it left the cluster before it was read",
        );
        return;
      }
      req.log.info(
        { class: archiveClass, namespace: req.namespace, name: req.name, hash: outcome.row.hash },
        outcome.kind === "archived"
          ? "Archived a closed record"
          : "Recorded an archived record in the audit trail",
      );
    }
    return new Controller(
      { name: `archive-${archiveClass}`, primary, workers: 1, reconcile },
      deps.log,
      deps.metrics,
    );
  });
}
