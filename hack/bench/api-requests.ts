// What the API server served during a series, from its own `apiserver_request_total` counter: the write requests
// (every client's: the benchmark's, the receiver's and the controllers' reacting to what it created), by verb and
// resource, so a run says how many API writes one alert cost in all, not only the ones in the request; and the
// reads of objects (GET and LIST, not WATCH), which cost the API server less than a write but are not free.
import type { KubeClient } from "../../src/runtime/kube/client.js";

/** Request counts by `VERB resource[/subresource]`. */
export type RequestCounts = ReadonlyMap<string, number>;

const WRITE_VERBS = new Set(["POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"]);
const READ_VERBS = new Set(["GET", "LIST"]);
const SAMPLE = /^apiserver_request_total\{([^}]*)\}\s+([0-9.e+]+)$/;

function label(labels: string, name: string): string {
  return new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? "";
}

/** The API server's request counts so far, writes and reads of objects apart (read as admin from its `/metrics`). */
export interface ServedRequests {
  readonly writes: RequestCounts;
  readonly reads: RequestCounts;
}

/** The API server's request counts so far (read as admin from its `/metrics`). */
export async function requestCounts(admin: KubeClient): Promise<ServedRequests> {
  const stream = await admin.transport.stream({ method: "GET", path: "/metrics", timeoutMs: 30_000 });
  const writes = new Map<string, number>();
  const reads = new Map<string, number>();
  try {
    for await (const line of stream.lines) {
      const sample = SAMPLE.exec(line);
      if (sample === null) continue;
      const labels = sample[1] ?? "";
      const verb = label(labels, "verb");
      const resource = label(labels, "resource");
      const counts = WRITE_VERBS.has(verb)
        ? writes
        : READ_VERBS.has(verb) && resource !== ""
          ? reads
          : undefined;
      if (counts === undefined || label(labels, "dry_run") !== "") continue;
      const subresource = label(labels, "subresource");
      const key = `${verb} ${resource}${subresource === "" ? "" : `/${subresource}`}`;
      counts.set(key, (counts.get(key) ?? 0) + Number(sample[2]));
    }
  } finally {
    stream.close();
  }
  return { writes, reads };
}

/** The counts added between two readings, largest first, without the unchanged ones. */
export function countsSince(before: RequestCounts, after: RequestCounts): [string, number][] {
  return [...after]
    .map(([key, n]): [string, number] => [key, n - (before.get(key) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * Reads the counts until two readings `quietMs` apart agree on the writes (the controllers have finished reacting;
 * reads go on, leader election's among them), at most `maxWaitMs`; returns the last reading either way.
 */
export async function settledRequestCounts(
  admin: KubeClient,
  quietMs = 2_000,
  maxWaitMs = 30_000,
): Promise<ServedRequests> {
  const deadline = performance.now() + maxWaitMs;
  let last = await requestCounts(admin);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const next = await requestCounts(admin);
    const same =
      next.writes.size === last.writes.size &&
      [...next.writes].every(([key, n]) => last.writes.get(key) === n);
    last = next;
    if (same) break;
  }
  return last;
}
