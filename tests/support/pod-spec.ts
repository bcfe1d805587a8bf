// The parts of a Pod a test-side kubelet reads (a container's command, environment, ports, mounts and readiness
// probe, and the volumes), and how it resolves the downward API and `$(VAR)` references as the kubelet does.
import type { KubeObject } from "../../src/runtime/kube/object.js";

/** A key of a Secret or ConfigMap projected to a file. */
export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/** A downward API field (`metadata.name`, `metadata.namespace`, ...). */
export interface FieldRef {
  fieldPath: string;
}

/** A volume, for the sources the chart uses. */
export interface Volume {
  name: string;
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  emptyDir?: { medium?: string; sizeLimit?: string };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  projected?: {
    defaultMode?: number;
    sources: {
      serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
      configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
      secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
      downwardAPI?: { items: { path: string; fieldRef?: FieldRef; mode?: number }[] };
    }[];
  };
  downwardAPI?: { items: { path: string; fieldRef?: FieldRef; mode?: number }[]; defaultMode?: number };
}

/** One environment variable of a container. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: FieldRef;
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

/** An HTTP probe. */
export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  periodSeconds?: number;
  timeoutSeconds?: number;
  failureThreshold?: number;
  successThreshold?: number;
}

/** A container. */
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  readinessProbe?: Probe;
  securityContext?: { readOnlyRootFilesystem?: boolean };
}

/** A Pod's spec and the status fields the kubelet writes. */
export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
}

/** A Pod as read from the API server. */
export type Pod = KubeObject & { spec: PodSpec; status?: { podIP?: string } };

/** The value of a downward API field of `pod` (whose IP is `podIP`), as the kubelet resolves it. */
export function resolveFieldRef(pod: Pod, fieldPath: string, podIP: string): string {
  const meta = pod.metadata;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed !== null) {
    const map = keyed[1] === "labels" ? meta.labels : meta.annotations;
    return map?.[keyed[2] ?? ""] ?? "";
  }
  const fields: Record<string, string | undefined> = {
    "metadata.name": meta.name,
    "metadata.namespace": meta.namespace,
    "metadata.uid": meta.uid,
    "spec.serviceAccountName": pod.spec.serviceAccountName,
    "spec.nodeName": pod.spec.nodeName,
    "status.podIP": podIP,
  };
  if (!(fieldPath in fields)) throw new Error(`The downward API field ${fieldPath} is not emulated here.`);
  return fields[fieldPath] ?? "";
}

/**
 * Expands `$(NAME)` in a command, argument or value from `vars` as the kubelet does: an undefined name stays as
 * written, and `$$` is a literal `$`.
 */
export function expandVars(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return "$";
    return vars.get(name) ?? whole;
  });
}
