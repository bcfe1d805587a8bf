import type { AuditEntry } from "../entry.js";
import { isAlreadyExists } from "../../runtime/kube/api-error.js";
import type { Clock, TimerHandle } from "../../runtime/clock.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { Logger } from "../../runtime/logging.js";
import { builtin } from "../../runtime/kube/resource.js";
import { formatTimestamp } from "../../runtime/duration.js";
import { signCheckpoint, type CheckpointBody } from "./checkpoint.js";
import {
  CHECKPOINT_LABEL,
  WRITER_LABEL,
  checkpointName,
  checkpointObject,
  readCheckpointObject,
} from "./checkpoint-object.js";
import type { SigningKey } from "./signing-key.js";
import { labelValue } from "../../runtime/kube/label-value.js";

/** How an AuditCheckpointer publishes. */
export interface CheckpointerOptions {
  client: KubeClient;
  /** Where the checkpoint ConfigMaps go (the operator's namespace). */
  namespace: string;
  /** The trail's writer: this replica's identity. */
  writer: string;
  key: SigningKey;
  /** A checkpoint once this many entries were appended since the last one. */
  every: number;
  /** And at the latest this long after an entry no checkpoint covers yet. */
  intervalMs: number;
  clock: Clock;
  log: Logger;
  /** Told about each checkpoint that could not be published (it is tried again with the next one). */
  onFailure?: () => void;
  /** Told about each checkpoint published. */
  onPublished?: (body: CheckpointBody) => void;
  /**
   * Looks the trail's first entry's hash up when this writer did not append it (a chain shared by several
   * replicas, as in the database); without it only an observed entry 1 names the chain.
   */
  resolveChain?: () => Promise<string | undefined>;
}

/**
 * Signs the head of one replica's audit trail every `every` entries, and `intervalMs` after an entry no
 * checkpoint covers, and publishes it as an immutable ConfigMap (see `checkpointObject`). It watches the trail
 * through `observe`, called with each entry once it is durable, in order; publishing never delays a record.
 * A failed publish is logged and counted, and the next checkpoint (which covers everything before it) is tried.
 */
export class AuditCheckpointer {
  private chain: string | undefined;
  private head: { seq: number; hash: string } | undefined;
  private last: { seq: number; name: string } | undefined;
  private pending = 0;
  private timer: TimerHandle | undefined;
  private publishing: Promise<void> = Promise.resolve();

  constructor(private readonly options: CheckpointerOptions) {}

  /**
   * Starts from the trail as it is on disk: the hash of its first entry (`chain`, undefined for an empty trail)
   * and its last entry, and the latest checkpoint this writer published for that trail (for the `previous` link).
   */
  async start(chain: string | undefined, last: { seq: number; hash: string } | undefined): Promise<void> {
    this.chain = chain;
    this.head = last;
    if (chain === undefined) return;
    const page = await this.options.client.list(builtin.configMap, {
      namespace: this.options.namespace,
      labelSelector: `${CHECKPOINT_LABEL}=true,${WRITER_LABEL}=${labelValue(this.options.writer)}`,
    });
    for (const obj of page.items) {
      const read = readCheckpointObject(obj);
      if (!read.ok || read.signed.body.chain !== chain) continue;
      if (this.last === undefined || read.signed.body.seq > this.last.seq) {
        this.last = { seq: read.signed.body.seq, name: read.name };
      }
    }
    if (this.head !== undefined && this.head.seq !== this.last?.seq) this.schedule();
  }

  /** Takes note of an entry once it is durable; publishes when `every` entries have gathered. */
  observe(entry: AuditEntry): void {
    if (entry.seq === 1) this.chain = entry.hash;
    this.head = { seq: entry.seq, hash: entry.hash };
    this.pending += 1;
    if (this.pending >= this.options.every) {
      this.publish();
      return;
    }
    this.schedule();
  }

  /** Publishes a last checkpoint of the head (so a trail cut after a clean stop shows) and waits for it. */
  async close(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.head !== undefined && this.head.seq !== this.last?.seq) this.publish();
    await this.publishing;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = this.options.clock.setTimer(this.options.intervalMs, () => {
      this.timer = undefined;
      this.publish();
    });
  }

  private publish(): void {
    this.pending = 0;
    this.timer?.cancel();
    this.timer = undefined;
    this.publishing = this.publishing.then(() => this.publishHead());
  }

  private async publishHead(): Promise<void> {
    if (this.chain === undefined && this.head !== undefined && this.options.resolveChain !== undefined) {
      try {
        this.chain = await this.options.resolveChain();
      } catch (err) {
        this.options.onFailure?.();
        this.options.log.warn({ err }, "Could not read the audit chain's first entry; the checkpoint waits");
        this.schedule();
        return;
      }
    }
    const { head, chain } = this;
    if (head === undefined || chain === undefined || head.seq === this.last?.seq) return;
    const { key, writer, namespace, client } = this.options;
    const body: CheckpointBody = {
      version: 1,
      writer,
      chain,
      seq: head.seq,
      hash: head.hash,
      time: formatTimestamp(this.options.clock.now()),
      keyId: key.keyId,
      previous: this.last?.name ?? "",
    };
    const name = checkpointName(body);
    try {
      await client.create(
        builtin.configMap,
        checkpointObject(signCheckpoint(body, key.privateKey), namespace),
        namespace,
      );
    } catch (err) {
      // Published before a crash that came ahead of our own record of it: the object vouches for the same entry.
      if (!isAlreadyExists(err)) {
        this.options.onFailure?.();
        this.options.log.warn(
          { err, seq: head.seq, namespace },
          "Could not publish an audit checkpoint; the next one is tried with the next entries",
        );
        this.schedule();
        return;
      }
    }
    this.last = { seq: head.seq, name };
    this.options.onPublished?.(body);
    this.options.log.debug({ seq: head.seq, name }, "Published an audit checkpoint");
  }
}
