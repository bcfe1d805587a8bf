import {
  NotificationRouteSpec,
  NotificationRouteStatus,
  notificationRouteKind,
  type NotificationDelivery,
} from "../api/v1alpha1/notification-route.js";
import { findKind } from "../api/v1alpha1/kinds.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import { parseAuditLine, type StoredAuditEntry } from "../audit/entry.js";
import type { FeedSource } from "../audit/feed/source.js";
import { delay } from "../runtime/backoff.js";
import { WakeBell } from "../runtime/wake-bell.js";
import { isConflict, isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import { updateStatus } from "../runtime/status-writer.js";
import type { Logger } from "../runtime/logging.js";
import { ChannelConfigError, loadChannel, redact } from "./channel-secret.js";
import {
  planClaims,
  settleAttempts,
  type AttemptOutcome,
  type Candidate,
  type RetryPolicy,
  type SettledBatch,
} from "./delivery-plan.js";
import type { DestinationGuard } from "./destination.js";
import { DestinationRefused } from "./destination.js";
import { labelsMatch, recipientsOf, routeWants, type AddressBookIndex, type RoleMention } from "./match.js";
import { readAddressBook, readTeamRoleBindings, roleRecipients } from "./role-recipients.js";
import type { TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";
import type { NotificationMetrics } from "./metrics.js";
import { RouteRateLimiter } from "./rate-limit.js";
import { failureHealth, routeConditions, steadyHealth, type RouteHealth } from "./route-conditions.js";
import { sendNotification, type ReadyChannel, type SendOptions } from "./send.js";

/** How many routes one pass serves at once. */
const ROUTES_AT_ONCE = 4;

/** The least time between the starts of two passes when entries wake the notifier (a burst makes a few passes). */
const MIN_PASS_GAP_MS = 200;

/** The resource NotificationRoutes are served as. */
export const notificationRoutes = resourceOf(notificationRouteKind);

/** How the notifier runs. */
export interface NotifierOptions {
  client: KubeClient;
  source: FeedSource;
  guard: DestinationGuard;
  metrics: NotificationMetrics;
  log: Logger;
  /** Only routes of this namespace (the operator's --namespace), or all. */
  namespace?: string | undefined;
  /** The longest pause between passes. */
  pollMs: number;
  /**
   * Rung when an entry is recorded (by this replica): ends the pause early, though never less than 200 ms (or
   * `pollMs` when shorter) after the previous pass started. Entries other replicas record wait for the poll.
   */
  wake?: WakeBell | undefined;
  /** The most audit entries one pass of a route reads. */
  batch: number;
  retry: RetryPolicy;
  now?: () => number;
  timeoutMs?: number;
}

type RouteStatus = NotificationRouteStatus;

/**
 * Delivers audit events to the NotificationRoutes that ask for them, on the leader only. Each route's status holds
 * its durable state (ADR 0044): the position in the audit record, the deliveries claimed before they are sent, and
 * those waiting to be retried. A claim is written (with the resourceVersion read) before anything is sent, so a
 * delivery is made at most once across retries, restarts and replicas; a claim found after a crash is counted as
 * interrupted, shown on the route and never resent.
 */
export class Notifier {
  private readonly limiter: RouteRateLimiter;
  private readonly now: () => number;
  private readonly sending: SendOptions;

  constructor(private readonly options: NotifierOptions) {
    this.now = options.now ?? Date.now;
    this.limiter = new RouteRateLimiter(this.now);
    this.sending = { now: this.now, timeoutMs: options.timeoutMs };
  }

  /** Runs until the signal aborts (leadership lost or the operator stopping). */
  async run(signal: AbortSignal): Promise<void> {
    this.options.log.info({ namespace: this.options.namespace ?? "" }, "Started delivering notifications");
    const wake = this.options.wake ?? new WakeBell();
    const gap = Math.min(MIN_PASS_GAP_MS, this.options.pollMs);
    while (!signal.aborted) {
      const started = this.now();
      try {
        await this.passAll(signal);
      } catch (err) {
        this.options.log.warn({ err: (err as Error).message }, "Failed a notification pass; trying again");
      }
      await wake.wait(Math.max(0, this.options.pollMs - (this.now() - started)), signal);
      const early = gap - (this.now() - started);
      if (early > 0) await delay(early, signal);
    }
  }

  /** One pass over every route: what each may deliver now is claimed, sent and settled. */
  async passAll(signal?: AbortSignal): Promise<void> {
    const chain = await this.chainId();
    const routes = await this.listRoutes();
    this.limiter.retain(new Set(routes.map((route) => route.metadata.uid ?? "")));
    let failing = 0;
    let pending = 0;
    let next = 0;
    // A few routes at once, so one slow receiver (at most one timeout per pass) does not hold every other route.
    const worker = async (): Promise<void> => {
      for (let route = routes[next++]; route !== undefined; route = routes[next++]) {
        if (signal?.aborted === true) return;
        try {
          const status = await this.passRoute(route, chain);
          if (status?.conditions?.some((c) => c.type === "DeliveryFailing" && c.status === "True"))
            failing += 1;
          pending += status?.retries?.length ?? 0;
        } catch (err) {
          failing += 1;
          this.options.log.warn(
            { namespace: route.metadata.namespace, name: route.metadata.name, err: (err as Error).message },
            "Failed to deliver a route's notifications; trying again next pass",
          );
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ROUTES_AT_ONCE, routes.length) }, worker));
    this.options.metrics.failingRoutes.set(failing);
    this.options.metrics.pending.set(pending);
  }

  /** The hash of the record's first entry: which chain the positions count in (undefined while it is empty). */
  private async chainId(): Promise<string | undefined> {
    const page = await this.options.source.page({ after: 0, limit: 1, filter: {} });
    const first = page.entries[0];
    if (first === undefined) return undefined;
    const parsed = parseAuditLine(first.json);
    return parsed.ok ? parsed.entry.hash : undefined;
  }

  private async listRoutes(): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.list(notificationRoutes, {
        ...(this.options.namespace === undefined ? {} : { namespace: this.options.namespace }),
        limit: 500,
        ...(token === undefined ? {} : { continue: token }),
      });
      items.push(...page.items);
      token = page.continue;
    } while (token !== undefined);
    return items;
  }

  /** One route's pass; returns the status it left (undefined when the route could not be read). */
  private async passRoute(route: KubeObject, chain: string | undefined): Promise<RouteStatus | undefined> {
    const { namespace = "", uid = "", name } = route.metadata;
    const spec = NotificationRouteSpec.safeParse((route as { spec?: unknown }).spec);
    if (!spec.success || chain === undefined || route.metadata.deletionTimestamp !== undefined)
      return undefined;
    const stored = NotificationRouteStatus.safeParse((route as { status?: unknown }).status ?? {});
    let status: RouteStatus = stored.success ? stored.data : {};
    let health: RouteHealth | undefined;
    if (status.chain !== chain) {
      // A new route, or another record (a new leader's own file trail): follow it from the route's creation.
      status = { ...status, chain, position: 0, inFlight: [], retries: [] };
      health = { healthy: true, reason: "Following", message: "Following the audit record for new events." };
    }
    const interrupted = status.inFlight ?? [];
    if (interrupted.length > 0) {
      this.options.metrics.attempts.inc(
        { channel: spec.data.channel.type, result: "interrupted" },
        interrupted.length,
      );
      status = { ...status, inFlight: [], failed: (status.failed ?? 0) + interrupted.length };
      health = {
        healthy: false,
        reason: "Interrupted",
        message:
          `${interrupted.length} deliveries were being sent when the operator stopped (the first: audit entry ` +
          `${interrupted[0]?.seq} to ${interrupted[0]?.recipient}); they may not have arrived and are not sent ` +
          "again (each event is delivered at most once).",
      };
    }
    let channel: ReadyChannel;
    try {
      channel = await this.readyChannel(namespace, spec.data);
    } catch (err) {
      if (!(err instanceof ChannelConfigError) && !(err instanceof DestinationRefused)) throw err;
      this.options.metrics.attempts.inc({ channel: spec.data.channel.type, result: "unconfigured" });
      const reason = err instanceof ChannelConfigError ? err.reason : "DestinationRefused";
      const message = `Nothing is delivered until this is fixed (events wait, none is skipped): ${err.message}.`;
      return this.writeHealth(route, status, { healthy: false, reason, message });
    }
    const now = this.now();
    const sinceMs = Date.parse(route.metadata.creationTimestamp ?? "") || 0;
    const page = await this.options.source.page({
      after: status.position ?? 0,
      limit: this.options.batch,
      filter: { namespace, actions: new Set(spec.data.actions), since: new Date(sinceMs) },
    });
    const entries = new Map<number, StoredAuditEntry>();
    const mentions = new Map<number, RoleMention[]>();
    let book: Promise<AddressBookIndex> | undefined;
    const addressBook = () => (book ??= readAddressBook(this.options.client));
    let bindings: Promise<TeamRoleBindingSpec[]> | undefined;
    const teamBindings = () => (bindings ??= readTeamRoleBindings(this.options.client));
    const rolesOf = (entry: StoredAuditEntry) =>
      roleRecipients(this.options.client, spec.data, namespace, entry, addressBook, teamBindings);
    const candidates: Candidate[] = [];
    for (const item of page.entries) {
      const parsed = parseAuditLine(item.json);
      if (!parsed.ok) continue;
      const entry = parsed.entry;
      if (!routeWants({ namespace, spec: spec.data }, entry)) continue;
      if (!(await this.selectorMatches(spec.data, namespace, entry))) continue;
      entries.set(entry.seq, entry);
      const toRoles = await rolesOf(entry);
      mentions.set(entry.seq, toRoles.mentions);
      candidates.push({
        seq: entry.seq,
        event: entry.hash,
        recipients: recipientsOf(spec.data, toRoles.emails),
      });
    }
    const retries = status.retries ?? [];
    const due = retries.filter((retry) => Date.parse(retry.nextAttemptAt ?? "") <= now);
    const limit = spec.data.rateLimit;
    const plan = planClaims({
      routeUid: uid,
      position: status.position ?? 0,
      through: page.through,
      candidates,
      dueRetries: due,
      waitingRetries: retries.length - due.length,
      tokens: this.limiter.available(uid, limit),
      bucketFull: this.limiter.full(uid, limit),
    });
    if (plan.position < page.through)
      this.options.metrics.rateLimited.inc({ channel: spec.data.channel.type });
    if (plan.claims.length === 0) {
      status = { ...status, position: plan.position };
      return this.writeHealth(route, status, health ?? steadyHealth(status));
    }
    // The claim: written with the resourceVersion read, so of two writers only one sends (ADR 0044).
    const claimed = new Set(plan.claims.map((claim) => claim.id));
    status = {
      ...status,
      position: plan.position,
      inFlight: plan.claims.map(({ nextAttemptAt: _next, ...claim }) => claim),
      retries: retries.filter((retry) => !claimed.has(retry.id)),
    };
    let current: KubeObject;
    try {
      current = await this.options.client.update(notificationRoutes, { ...route, status }, "status");
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return undefined; // someone moved it: read again next pass
      throw err;
    }
    this.limiter.spend(uid, limit, plan.claims.length);
    const attempts: { delivery: NotificationDelivery; outcome: AttemptOutcome }[] = [];
    // Once the receiver is unavailable or stops answering, the rest of the pass waits unsent (one timeout per pass).
    let receiverDown: string | undefined;
    for (const delivery of plan.claims) {
      if (receiverDown !== undefined) {
        attempts.push({ delivery, outcome: { kind: "deferred", error: `not attempted: ${receiverDown}` } });
        continue;
      }
      const entry = entries.get(delivery.seq) ?? (await this.entryAt(delivery.seq));
      const outcome: AttemptOutcome =
        entry === undefined
          ? { kind: "failed", error: `audit entry ${delivery.seq} is no longer in the record` }
          : await sendNotification(
              channel,
              { namespace, name, spec: spec.data },
              delivery,
              { entry, roles: mentions.get(entry.seq) ?? (await rolesOf(entry)).mentions },
              this.sending,
            );
      if ((outcome.kind === "retry" || outcome.kind === "failed") && outcome.receiverDown === true) {
        receiverDown = redact(outcome.error, channel.secretValues);
      }
      const result =
        outcome.kind === "retry" && delivery.attempts + 1 >= this.options.retry.maxAttempts
          ? "gave_up"
          : outcome.kind;
      this.options.metrics.attempts.inc({ channel: spec.data.channel.type, result });
      if (outcome.kind !== "delivered") {
        const error = redact(outcome.error, channel.secretValues);
        attempts.push({ delivery, outcome: { ...outcome, error } });
      } else attempts.push({ delivery, outcome });
    }
    const settled = settleAttempts(attempts, this.options.retry, this.now());
    return this.settle(current, claimed, settled, health);
  }

  /** Writes the outcome of the claimed deliveries onto the stored status (re-read on a conflict). */
  private async settle(
    claimedObject: KubeObject,
    claimed: ReadonlySet<string>,
    settled: SettledBatch,
    earlier: RouteHealth | undefined,
  ): Promise<RouteStatus> {
    const at = new Date(this.now());
    const result = await updateStatus(this.options.client, notificationRoutes, claimedObject, (current) => {
      const base = NotificationRouteStatus.parse((current as { status?: unknown }).status ?? {});
      const stillOurs = (base.inFlight ?? []).filter((delivery) => claimed.has(delivery.id));
      // Another writer counted our claims as interrupted: the outcome is ours to report, the counts are theirs.
      const mine = stillOurs.length > 0;
      const status: RouteStatus = {
        ...base,
        inFlight: (base.inFlight ?? []).filter((delivery) => !claimed.has(delivery.id)),
        retries: [...(base.retries ?? []), ...(mine ? settled.retries : [])],
        delivered: (base.delivered ?? 0) + (mine ? settled.delivered : 0),
        failed: (base.failed ?? 0) + (mine ? settled.failed : 0),
        ...(settled.delivered > 0 ? { lastDeliveredAt: at.toISOString() } : {}),
      };
      const error = settled.lastError;
      const health: RouteHealth =
        error !== undefined ? failureHealth(error) : (earlier ?? steadyHealth(status, settled.delivered > 0));
      return {
        status: {
          ...status,
          conditions: routeConditions(base.conditions, health, current.metadata.generation, at),
          observedGeneration: current.metadata.generation,
        },
      };
    });
    return result.decision.status;
  }

  /** Writes the position, state and conditions of a pass that sent nothing. */
  private async writeHealth(
    route: KubeObject,
    status: RouteStatus,
    health: RouteHealth,
  ): Promise<RouteStatus> {
    const at = new Date(this.now());
    const next: RouteStatus = {
      ...status,
      conditions: routeConditions(status.conditions, health, route.metadata.generation, at),
      observedGeneration: route.metadata.generation,
    };
    if (JSON.stringify(next) === JSON.stringify((route as { status?: unknown }).status ?? {})) return next;
    try {
      await this.options.client.update(notificationRoutes, { ...route, status: next }, "status");
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
    return next;
  }

  /** Reads the route's Secret and resolves its host, refusing internal addresses the operator does not allow. */
  private async readyChannel(namespace: string, spec: NotificationRouteSpec): Promise<ReadyChannel> {
    const loaded = await loadChannel(this.options.client, namespace, spec.channel);
    const host = loaded.config.type === "smtp" ? loaded.config.host : loaded.config.url.hostname;
    return { ...loaded, address: await this.options.guard.resolve(host) };
  }

  /** Whether the event's object carries the route's labels, read from the object itself in the route's namespace. */
  private async selectorMatches(
    spec: NotificationRouteSpec,
    namespace: string,
    entry: StoredAuditEntry,
  ): Promise<boolean> {
    const matchLabels = spec.selector?.matchLabels;
    if (matchLabels === undefined || Object.keys(matchLabels).length === 0) return true;
    const kind = findKind(entry.object.kind);
    if (kind === undefined || kind.scope !== "Namespaced") return false;
    try {
      const object = await this.options.client.get(resourceOf(kind), entry.object.name, namespace);
      if (entry.object.uid !== undefined && object.metadata.uid !== entry.object.uid) return false;
      return labelsMatch(matchLabels, object.metadata.labels);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** One entry by its seq (for a retry whose entry is not on this pass's page). */
  private async entryAt(seq: number): Promise<StoredAuditEntry | undefined> {
    const page = await this.options.source.page({ after: seq - 1, limit: 1, filter: {} });
    const first = page.entries[0];
    if (first === undefined || first.seq !== seq) return undefined;
    const parsed = parseAuditLine(first.json);
    return parsed.ok ? parsed.entry : undefined;
  }
}
