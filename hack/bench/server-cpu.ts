// The CPU the servers of a run spend on one series: kube-apiserver, etcd and the operator, from /proc, plus the
// benchmark's own process (the load generator). Divided by the series' count it gives the CPU one write or one
// alert costs each, and from the two series of a run the highest ratio of their rates the machine allows.
import { cpuSeconds } from "./process-cpu.js";

/** The processes whose CPU a series is charged: the control plane's two and the operator. */
export interface ServerPids {
  readonly apiserver: number;
  readonly etcd: number;
  readonly operator: number;
}

/** CPU seconds by process (or per request, when divided), the load generator apart. */
export interface ServerCpu {
  readonly apiserver: number;
  readonly etcd: number;
  readonly operator: number;
  readonly generator: number;
}

const KEYS = ["apiserver", "etcd", "operator", "generator"] as const;

/** CPU seconds each process has used so far, and when they were read (`performance.now()`, ms). */
export interface CpuReading {
  readonly at: number;
  readonly cpu: ServerCpu;
}

/** Reads the CPU seconds each process has used so far. */
export async function serverCpu(pids: ServerPids): Promise<CpuReading> {
  const at = performance.now();
  const own = process.cpuUsage();
  const [apiserver, etcd, operator] = await Promise.all([
    cpuSeconds(pids.apiserver),
    cpuSeconds(pids.etcd),
    cpuSeconds(pids.operator),
  ]);
  return { at, cpu: { apiserver, etcd, operator, generator: (own.user + own.system) / 1e6 } };
}

const each = (f: (key: (typeof KEYS)[number]) => number): ServerCpu => ({
  apiserver: f("apiserver"),
  etcd: f("etcd"),
  operator: f("operator"),
  generator: f("generator"),
});

/** What each process used per second between two readings of a quiet span: the floor every series stands on. */
export function idlePerSecond(before: CpuReading, after: CpuReading): ServerCpu {
  const seconds = (after.at - before.at) / 1000;
  return each((key) => (seconds > 0 ? Math.max(0, after.cpu[key] - before.cpu[key]) / seconds : 0));
}

/**
 * What each process used between two readings beyond its idle floor over the same span, divided by `count` (the
 * series' requests): the CPU one request of the series cost it.
 */
export function cpuPer(before: CpuReading, after: CpuReading, count: number, idle: ServerCpu): ServerCpu {
  const seconds = (after.at - before.at) / 1000;
  return each((key) => Math.max(0, after.cpu[key] - before.cpu[key] - idle[key] * seconds) / count);
}

/** The servers' CPU (kube-apiserver, etcd, the operator): what the cores serving requests spend. */
export const serving = (cpu: ServerCpu): number => cpu.apiserver + cpu.etcd + cpu.operator;

/**
 * The highest alerts/s over creates/s a series can reach while CPU is the bound, from what one of each costs:
 * kube-apiserver alone (when it is the bound) and the servers together (when the machine's cores are). Undefined
 * where a reading gave no CPU to divide by.
 */
export function cpuCeilings(
  perCreate: ServerCpu,
  perAlert: ServerCpu,
): { apiserver: number | undefined; serving: number | undefined } {
  const quotient = (a: number, b: number): number | undefined => (a > 0 && b > 0 ? a / b : undefined);
  return {
    apiserver: quotient(perCreate.apiserver, perAlert.apiserver),
    serving: quotient(serving(perCreate), serving(perAlert)),
  };
}
