import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { envOf } from "../../tests/support/release-world.js";
import { waitFor } from "../../tests/support/kube.js";
import { ObjectWatch } from "./object-watch.js";

/**
 * Notes, on this process's monotonic clock, when each Release of a namespace was first seen Verified in one
 * environment, from one watch on Releases: what a person running `kubectl get releases -w` would see.
 */
export class VerifiedWatch {
  private readonly verifiedAt = new Map<string, number>();
  private watch: ObjectWatch | undefined;

  private constructor(private readonly environment: string) {}

  /** Starts watching the Releases of `namespace` for the Verified state in `environment`. */
  static async start(client: KubeClient, namespace: string, environment: string): Promise<VerifiedWatch> {
    const verified = new VerifiedWatch(environment);
    verified.watch = await ObjectWatch.start(client, resources.release, namespace, (release) =>
      verified.seen(release),
    );
    return verified;
  }

  private seen(release: KubeObject): void {
    const name = release.metadata.name;
    if (this.verifiedAt.has(name)) return;
    const status = (release as { status?: Record<string, unknown> }).status ?? {};
    if (envOf(status, this.environment)?.state === "Verified") this.verifiedAt.set(name, performance.now());
  }

  /** When `release` was first seen Verified (performance.now() ms), if it has been. */
  at(release: string): number | undefined {
    return this.verifiedAt.get(release);
  }

  /** Waits, bounded, until every one of `releases` is Verified; `progress` is called every few seconds. */
  async waitForAll(
    releases: readonly string[],
    timeoutMs: number,
    progress: (verified: number) => void = () => undefined,
  ): Promise<void> {
    let lastReport = performance.now();
    await waitFor(
      `${releases.length} releases to be Verified`,
      () => {
        const done = releases.filter((r) => this.verifiedAt.has(r)).length;
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          progress(done);
        }
        return done === releases.length ? true : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  /** Stops watching. */
  async close(): Promise<void> {
    await this.watch?.close();
  }
}
