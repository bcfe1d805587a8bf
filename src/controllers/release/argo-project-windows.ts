import { z } from "zod";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { ArgoSyncWindow, globMatch, type ProjectWindows } from "../../policy/argo-sync-windows.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { Informers } from "../informers.js";

const ApplicationView = z.looseObject({
  spec: z
    .looseObject({
      project: z.string().optional(),
      destination: z
        .looseObject({
          server: z.string().optional(),
          name: z.string().optional(),
          namespace: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});

const ProjectView = z.looseObject({
  spec: z
    .looseObject({
      syncWindows: z.array(ArgoSyncWindow).optional(),
      sourceNamespaces: z.array(z.string()).optional(),
    })
    .optional(),
});

/**
 * The sync windows Argo CD applies to an Argo CD target's Application: those of its `spec.project` (default
 * `default`), the AppProject of that name in the Application's namespace, or, for an Application outside Argo CD's
 * own namespace, the AppProject of that name that lists the namespace in `spec.sourceNamespaces` (as Argo CD finds
 * it). Undefined for other targets, when the cache holds no such project, or when it has no windows. Read from the
 * cache: a window only ever holds a promotion back, it never opens one.
 */
export function argoProjectWindows(
  informers: Informers,
  target: ReleaseTarget,
  application: KubeObject | undefined,
): ProjectWindows | undefined {
  if (target.argoCD === undefined || application === undefined) return undefined;
  const app = ApplicationView.safeParse(application);
  if (!app.success) return undefined;
  const project = app.data.spec?.project ?? "default";
  const namespace = application.metadata.namespace ?? "";
  const found =
    informers.argoCDProjects.store.get(`${namespace}/${project}`) ??
    informers.argoCDProjects.store
      .list()
      .find(
        (p) =>
          p.metadata.name === project &&
          (ProjectView.safeParse(p).data?.spec?.sourceNamespaces ?? []).some((g) => globMatch(g, namespace)),
      );
  if (found === undefined) return undefined;
  const windows = ProjectView.safeParse(found).data?.spec?.syncWindows ?? [];
  if (windows.length === 0) return undefined;
  return {
    project: `${found.metadata.namespace ?? ""}/${project}`,
    windows,
    application: { name: application.metadata.name, destination: app.data.spec?.destination ?? {} },
  };
}
