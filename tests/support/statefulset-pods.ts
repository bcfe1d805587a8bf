// What the control plane does between a StatefulSet and its pods, on a cluster that runs only kube-apiserver: the
// StatefulSet controller creates pod `<name>-<ordinal>` from the template with its claims, the ServiceAccount
// admission plugin (off on the local clusters) adds the projected token volume, and kube-controller-manager's
// root-CA publisher writes the ConfigMap that volume reads. Each is done here the way those components do it,
// from the StatefulSet as the API server holds it.
import { randomBytes } from "node:crypto";
import { isAlreadyExists } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { coreResources } from "./core-resources.js";
import type { Container, Pod, PodSpec, Volume } from "./pod-spec.js";

/** Where the ServiceAccount admission plugin mounts the token, and kube-controller-manager's CA ConfigMap. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
/** The token lifetime the admission plugin asks for (an hour and 7 s; the kubelet refreshes it at 80 %). */
const TOKEN_EXPIRATION_SECONDS = 3607;

interface StatefulSetSpec {
  replicas?: number;
  serviceName?: string;
  selector: { matchLabels?: Record<string, string> };
  template: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
  };
  volumeClaimTemplates?: { metadata: { name: string; labels?: Record<string, string> }; spec: unknown }[];
}

/** Creates a namespaced object unless it exists (a controller converging, not a test asserting). */
async function ensure(
  admin: KubeClient,
  rt: (typeof coreResources)[keyof typeof coreResources],
  obj: KubeObject,
) {
  try {
    await admin.create(rt, obj, obj.metadata.namespace);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** kube-controller-manager's root-CA publisher: ConfigMap kube-root-ca.crt with the cluster CA, in `namespace`. */
export async function publishRootCa(admin: KubeClient, namespace: string, caPem: string): Promise<void> {
  await ensure(admin, coreResources.configMap, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: ROOT_CA_CONFIGMAP, namespace },
    data: { "ca.crt": caPem },
  });
}

/**
 * The ServiceAccount admission plugin: unless the pod opts out, a projected volume `kube-api-access-<random>` with a
 * bound token of the pod's ServiceAccount (the API server's audience), the cluster CA and the namespace, mounted
 * read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container.
 */
export function withServiceAccountToken(spec: PodSpec): PodSpec {
  if (spec.automountServiceAccountToken === false) return spec;
  const name = `kube-api-access-${randomBytes(3).toString("hex").slice(0, 5)}`;
  const volume: Volume = {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { path: "token", expirationSeconds: TOKEN_EXPIRATION_SECONDS } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
  const mount = (c: Container): Container => ({
    ...c,
    volumeMounts: [...(c.volumeMounts ?? []), { name, mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }],
  });
  return {
    ...spec,
    serviceAccountName: spec.serviceAccountName ?? "default",
    volumes: [...(spec.volumes ?? []), volume],
    containers: spec.containers.map(mount),
  };
}

/**
 * The StatefulSet controller: for each ordinal, the claims of the volumeClaimTemplates (kept if they exist, as the
 * retention policy keeps them) and the pod, named `<set>-<ordinal>`, owned by the set, with the template's labels
 * plus the pod-name and pod-index labels, the set's Service as subdomain, and a volume per claim. Returns the pods.
 */
export async function createStatefulSetPods(
  admin: KubeClient,
  namespace: string,
  name: string,
): Promise<Pod[]> {
  const sts = await admin.get(coreResources.statefulSet, name, namespace);
  const spec = sts.spec as StatefulSetSpec;
  const pods: Pod[] = [];
  for (let ordinal = 0; ordinal < (spec.replicas ?? 1); ordinal++) {
    const podName = `${name}-${ordinal}`;
    const claimVolumes: Volume[] = [];
    for (const template of spec.volumeClaimTemplates ?? []) {
      const claimName = `${template.metadata.name}-${podName}`;
      await ensure(admin, coreResources.persistentVolumeClaim, {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: claimName,
          namespace,
          labels: { ...template.metadata.labels, ...spec.selector.matchLabels },
        },
        spec: template.spec,
      });
      claimVolumes.push({ name: template.metadata.name, persistentVolumeClaim: { claimName } });
    }
    const template = spec.template;
    const podSpec = withServiceAccountToken({
      ...template.spec,
      hostname: podName,
      ...(spec.serviceName === undefined ? {} : { subdomain: spec.serviceName }),
      volumes: [...(template.spec.volumes ?? []), ...claimVolumes],
    });
    const created = await admin.create(
      coreResources.pod,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: podName,
          namespace,
          labels: {
            ...template.metadata?.labels,
            "statefulset.kubernetes.io/pod-name": podName,
            "apps.kubernetes.io/pod-index": String(ordinal),
          },
          ...(template.metadata?.annotations === undefined
            ? {}
            : { annotations: template.metadata.annotations }),
          ownerReferences: [
            {
              apiVersion: "apps/v1",
              kind: "StatefulSet",
              name,
              uid: sts.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: podSpec,
      },
      namespace,
    );
    pods.push(created as Pod);
  }
  return pods;
}
