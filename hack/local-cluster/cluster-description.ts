import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { LocalClusterError } from "./errors.js";

/**
 * What `<dir>/cluster.json` holds: everything a test or the CLI needs to use or stop a running local cluster.
 * Pids and commands are those at start; `hack/cluster.ts down` checks both before it signals anything.
 */
export const clusterDescriptionSchema = z.object({
  dir: z.string(),
  server: z.string(),
  caFile: z.string(),
  /**
   * The CA of the client certificate kube-apiserver presents to admission webhooks (the operator's
   * `--webhook-client-ca-file`); absent on clusters started before the API server authenticated to webhooks.
   */
  webhookClientCaFile: z.string().optional(),
  version: z.string(),
  binDir: z.string(),
  etcdUrl: z.string(),
  kubeconfigs: z.record(z.string(), z.string()),
  pids: z.object({ etcd: z.number().int(), apiserver: z.number().int() }),
  commands: z.object({ etcd: z.string(), apiserver: z.string() }),
  logs: z.object({ etcd: z.string(), apiserver: z.string() }),
  startedAt: z.string(),
});

/** The parsed contents of `cluster.json`. */
export type ClusterDescription = z.infer<typeof clusterDescriptionSchema>;

/** The file name of the description inside a cluster state dir. */
export const CLUSTER_DESCRIPTION_FILE = "cluster.json";

/** Writes the description to `<dir>/cluster.json`. */
export async function writeClusterDescription(description: ClusterDescription): Promise<string> {
  const path = join(description.dir, CLUSTER_DESCRIPTION_FILE);
  await writeFile(path, `${JSON.stringify(description, null, 2)}\n`);
  return path;
}

/**
 * Reads and validates a description file, naming the file and the offending field when it is malformed,
 * so a stale or hand-edited `cluster.json` fails with a message instead of a confusing later error.
 */
export function readClusterDescription(path: string): ClusterDescription {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new LocalClusterError(`Could not read the cluster description ${path}.`, { cause: error });
  }
  const parsed = clusterDescriptionSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new LocalClusterError(`The cluster description ${path} is malformed (${issues}).`);
  }
  return parsed.data;
}
