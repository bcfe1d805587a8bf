import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { CertKeyPair, ServiceAccountKeys } from "./certs.js";
import { getWithClientCert, type ClientTls } from "./https-client.js";
import { ManagedProcess } from "./process.js";

/** Everything kube-apiserver needs to start against a running etcd. */
export interface ApiserverOptions {
  readonly binDir: string;
  /** The cluster state dir; logs go to `<dir>/logs/kube-apiserver.log`, generated certs to `<dir>/pki/apiserver`. */
  readonly dir: string;
  readonly etcdUrl: string;
  /** The secure port on 127.0.0.1, chosen by the caller so kubeconfigs can be written before start. */
  readonly port: number;
  readonly ca: CertKeyPair;
  readonly serving: CertKeyPair;
  readonly serviceAccount: ServiceAccountKeys;
  /** A `system:masters` client certificate, used only to probe `/readyz`. */
  readonly admin: CertKeyPair;
  /**
   * The AdmissionConfiguration that gives kube-apiserver a client certificate for admission webhooks
   * (`--admission-control-config-file`); absent, it calls webhooks without one.
   */
  readonly admissionConfigFile?: string;
  /** Extra `--flag=value` arguments; a flag named here replaces the default with the same name. */
  readonly extraFlags?: readonly string[];
  readonly detached?: boolean;
  readonly startTimeoutMs?: number;
}

/** A started kube-apiserver and the URL clients use to reach it. */
export interface StartedApiserver {
  readonly process: ManagedProcess;
  readonly server: string;
}

/** The `--name` part of a `--name=value` flag. */
function flagName(flag: string): string {
  const eq = flag.indexOf("=");
  return eq === -1 ? flag : flag.slice(0, eq);
}

/** Merges flag lists so that a flag in `overrides` replaces every default of the same name. */
export function mergeFlags(defaults: readonly string[], overrides: readonly string[]): string[] {
  const overridden = new Set(overrides.map(flagName));
  return [...defaults.filter((flag) => !overridden.has(flagName(flag))), ...overrides];
}

/**
 * The kube-apiserver flags, modelled on controller-runtime's envtest: loopback only, client certificates
 * from the local CA, real RBAC (no AlwaysAllow), and the ServiceAccount admission plugin off because no
 * controller-manager creates tokens.
 */
export function apiserverArgs(options: ApiserverOptions): string[] {
  const defaults = [
    `--etcd-servers=${options.etcdUrl}`,
    `--cert-dir=${join(options.dir, "pki", "apiserver")}`,
    `--tls-cert-file=${options.serving.certFile}`,
    `--tls-private-key-file=${options.serving.keyFile}`,
    `--client-ca-file=${options.ca.certFile}`,
    `--secure-port=${options.port}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    "--service-cluster-ip-range=10.0.0.0/24",
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://localhost",
    `--service-account-key-file=${options.serviceAccount.publicKeyFile}`,
    `--service-account-signing-key-file=${options.serviceAccount.privateKeyFile}`,
    "--disable-admission-plugins=ServiceAccount",
    "--allow-privileged=true",
    "--endpoint-reconciler-type=none",
    "--profiling=false",
    ...(options.admissionConfigFile === undefined
      ? []
      : [`--admission-control-config-file=${options.admissionConfigFile}`]),
  ];
  return mergeFlags(defaults, options.extraFlags ?? []);
}

/** True once `/readyz` answers 200 to the admin; connection errors and 5xx mean "not yet". */
async function probeReadyz(server: string, tls: ClientTls): Promise<boolean> {
  try {
    const response = await getWithClientCert(server, "/readyz", tls, 2_000);
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts kube-apiserver on its loopback port and waits until `/readyz` is 200 for the admin identity.
 * A restart of the returned process reuses the same port, certificates and etcd, so data survives it.
 */
export async function startApiserver(options: ApiserverOptions): Promise<StartedApiserver> {
  await mkdir(join(options.dir, "pki", "apiserver"), { recursive: true });
  await mkdir(join(options.dir, "logs"), { recursive: true });
  const server = `https://127.0.0.1:${options.port}`;
  const tls: ClientTls = { caFile: options.ca.certFile, ...options.admin };
  const process = new ManagedProcess({
    name: "kube-apiserver",
    command: join(options.binDir, "kube-apiserver"),
    args: apiserverArgs(options),
    logFile: join(options.dir, "logs", "kube-apiserver.log"),
    detached: options.detached ?? false,
    readiness: { probe: () => probeReadyz(server, tls), timeoutMs: options.startTimeoutMs ?? 90_000 },
  });
  await process.start();
  return { process, server };
}
