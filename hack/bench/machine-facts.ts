import os from "node:os";

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** The machine a benchmark ran on: cores and their model, memory, Node and kube-apiserver versions. */
export function machineFacts(kubeVersion: string): string {
  const cpus = os.cpus();
  return [
    `cores: ${cpus.length} (${cpus[0]?.model.trim() ?? "unknown model"})`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `node: ${process.version} on ${os.platform()} ${os.arch()} (${os.release()})`,
    `kube-apiserver: ${kubeVersion}`,
  ].join("\n");
}
