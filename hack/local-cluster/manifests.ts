import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { runKubectlOrThrow, type KubectlTarget } from "./kubectl.js";
import { pollUntil } from "./poll.js";

const FIELD_MANAGER = "stagegate-local-cluster";

/**
 * What `make test` installs into a local control plane, in order: the CRDs, the RBAC and admission policies of
 * config/, and the third-party manifests of hack/manifests (Argo CD and Flux CRDs, local identities' bindings).
 */
export const PROJECT_MANIFEST_DIRS: readonly string[] = [
  "crds",
  "config/rbac",
  "config/policy",
  "hack/manifests",
].map((dir) => join(import.meta.dirname, "..", "..", dir));
const CRD_KIND = "CustomResourceDefinition";

/** A Kubernetes object as read from YAML: only the fields the installer looks at are typed. */
interface ManifestObject {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown };
}

/** Lists the `*.yaml` / `*.yml` files directly in `dir`, sorted; a missing directory yields none. */
export function listManifestFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name) && name !== "kustomization.yaml" && name !== "kustomization.yml")
    .sort()
    .map((name) => join(dir, name));
}

/** Reads every object from the files, dropping empty documents and anything that is not a Kubernetes object. */
function readObjects(files: readonly string[]): ManifestObject[] {
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, "utf8"))
      .map((doc) => doc.toJS() as ManifestObject | null)
      .filter(
        (obj): obj is ManifestObject => typeof obj?.apiVersion === "string" && typeof obj.kind === "string",
      ),
  );
}

/** Turns objects back into one YAML stream for `kubectl apply -f -`. */
function toStream(objects: readonly unknown[]): string {
  return objects.map((obj) => JSON.stringify(obj)).join("\n---\n");
}

/**
 * Server-side applies a YAML stream (or files) and returns the `kind.group/name` of every object applied.
 * Server-side apply is used because big CRDs overflow the last-applied annotation of client-side apply.
 */
async function applyServerSide(
  target: KubectlTarget,
  source: { readonly stream: string } | { readonly files: readonly string[] },
): Promise<string[]> {
  const args = [
    "apply",
    "--server-side",
    `--field-manager=${FIELD_MANAGER}`,
    "--force-conflicts",
    "-o",
    "name",
  ];
  const out =
    "stream" in source
      ? await runKubectlOrThrow(target, [...args, "-f", "-"], { input: source.stream })
      : await runKubectlOrThrow(target, [...args, ...source.files.flatMap((file) => ["-f", file])]);
  return out.split("\n").filter((line) => line.trim() !== "");
}

/** The slice of a CRD list that the Established check reads. */
interface CrdList {
  readonly items: readonly {
    readonly metadata: { readonly name: string };
    readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
  }[];
}

/**
 * Waits until every named CRD (as printed by `kubectl apply -o name`) has condition Established, so objects
 * of those kinds can be created right after. Names that are not CRDs are ignored. It polls itself because
 * `kubectl wait` fails outright on a CRD whose status the apiserver has not written yet.
 */
export async function waitForCrdsEstablished(
  target: KubectlTarget,
  appliedNames: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const crds = appliedNames.filter((name) => name.startsWith("customresourcedefinition."));
  if (crds.length === 0) return;
  let pending = crds;
  await pollUntil(
    `CRDs to become Established`,
    async () => {
      const list = JSON.parse(await runKubectlOrThrow(target, ["get", ...crds, "-o", "json"])) as CrdList;
      const established = new Set(
        list.items
          .filter((crd) =>
            crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"),
          )
          .map((crd) => `customresourcedefinition.apiextensions.k8s.io/${crd.metadata.name}`),
      );
      pending = crds.filter((name) => !established.has(name));
      return pending.length === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, describeFailure: () => `Not Established: ${pending.join(", ")}` },
  );
}

/**
 * Applies CRD files server-side and waits until they are Established. Returns the applied names
 * (`customresourcedefinition.apiextensions.k8s.io/<name>`).
 */
export async function applyCrdFiles(target: KubectlTarget, files: readonly string[]): Promise<string[]> {
  if (files.length === 0) return [];
  const names = await applyServerSide(target, { files });
  await waitForCrdsEstablished(target, names);
  return names;
}

/**
 * Applies every YAML file in the given directories (missing or empty ones are skipped, kustomization files
 * ignored): first Namespaces, including ones that objects merely refer to, and CRDs, waiting for them to be
 * Established; then everything else. Returns the names of all applied objects.
 */
export async function applyManifestDirs(target: KubectlTarget, dirs: readonly string[]): Promise<string[]> {
  const objects = readObjects(dirs.flatMap(listManifestFiles));
  if (objects.length === 0) return [];
  const declaredNamespaces = new Set(
    objects.filter((o) => o.kind === "Namespace").map((o) => String(o.metadata?.name)),
  );
  const impliedNamespaces = [
    ...new Set(
      objects.map((o) => o.metadata?.namespace).filter((ns): ns is string => typeof ns === "string"),
    ),
  ].filter((ns) => !declaredNamespaces.has(ns));
  const first = [
    ...impliedNamespaces.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } })),
    ...objects.filter((o) => o.kind === "Namespace" || o.kind === CRD_KIND),
  ];
  const rest = objects.filter((o) => o.kind !== "Namespace" && o.kind !== CRD_KIND);
  const applied: string[] = [];
  if (first.length > 0) {
    const names = await applyServerSide(target, { stream: toStream(first) });
    await waitForCrdsEstablished(target, names);
    applied.push(...names);
  }
  if (rest.length > 0) applied.push(...(await applyServerSide(target, { stream: toStream(rest) })));
  return applied;
}
