/**
 * The local control plane: real etcd and kube-apiserver processes, client-certificate identities under real
 * RBAC, and the real Argo CD and Flux CRDs. Used by `hack/cluster.ts` and by the integration tests.
 */
export {
  startLocalCluster,
  type LocalCluster,
  type LocalClusterOptions,
  type StopOptions,
} from "./cluster.js";
export {
  CLUSTER_DESCRIPTION_FILE,
  clusterDescriptionSchema,
  readClusterDescription,
  writeClusterDescription,
  type ClusterDescription,
} from "./cluster-description.js";
export { IDENTITIES, type Identity, type IdentityName } from "./identities.js";
export { startEtcd, type EtcdOptions, type StartedEtcd } from "./etcd.js";
export { ManagedProcess, type ExitInfo, type ProcessSpec } from "./process.js";
export {
  runKubectl,
  runKubectlOrThrow,
  type KubectlResult,
  type KubectlRunOptions,
  type KubectlTarget,
} from "./kubectl.js";
export {
  THIRD_PARTY_CRDS,
  CHART_INTEGRATION_CRDS,
  installThirdPartyCrds,
  resolveThirdPartyCrdFiles,
  type ThirdPartyCrdSource,
} from "./third-party-crds.js";
export { applyManifestDirs, applyCrdFiles, PROJECT_MANIFEST_DIRS } from "./manifests.js";
export { resolveBinDir, resolveHelmBinary, BUILD_SCRIPT, HELM_BUILD_SCRIPT } from "./binaries.js";
export { runHelm, type HelmResult, type HelmTarget } from "./helm.js";
export { isPidAlive, terminatePid } from "./pids.js";
export { LocalClusterError } from "./errors.js";
export { LocalClusterTimeoutError, pollUntil } from "./poll.js";
