import { delimiter } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

/**
 * Loads a kubeconfig the way kubectl does: one file, or several joined by the path delimiter (as in
 * $KUBECONFIG) merged with the first file winning; in-cluster credentials when none is given.
 */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  const files = (kubeconfig ?? "").split(delimiter).filter((f) => f !== "");
  if (files.length === 0) {
    kc.loadFromCluster();
    return kc;
  }
  for (const [i, file] of files.entries()) {
    if (i === 0) {
      kc.loadFromFile(file);
    } else {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more, true);
    }
  }
  return kc;
}
