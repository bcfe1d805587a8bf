import { createHash } from "node:crypto";
import type { NotificationRouteSpec } from "../api/v1alpha1/notification-route.js";
import type { StoredAuditEntry } from "../audit/entry.js";
import { environmentOf } from "../audit/export/filter.js";

/** The part of a route that decides which entries it gets: where it lives and what it asks for. */
export interface RouteScope {
  namespace: string;
  spec: Pick<NotificationRouteSpec, "actions" | "environments">;
}

/**
 * Whether an audit entry is for this route, before its label selector: only facts about objects in the route's own
 * namespace (a route's author reads nothing they could not read already; cluster-scoped facts go to nobody), of
 * one of its actions, and about one of its environments when it names any. Pure.
 */
export function routeWants(route: RouteScope, entry: StoredAuditEntry): boolean {
  if (entry.object.namespace === undefined || entry.object.namespace !== route.namespace) return false;
  if (!route.spec.actions.includes(entry.action)) return false;
  if (route.spec.environments.length === 0) return true;
  const environment = environmentOf(entry);
  return environment !== undefined && route.spec.environments.includes(environment);
}

/** Whether an object's labels carry every label of `matchLabels`. Pure. */
export function labelsMatch(
  matchLabels: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(matchLabels).every(([key, value]) => labels?.[key] === value);
}

/** The one recipient of a webhook channel (its URL, from the Secret): the channel itself. */
export const CHANNEL_RECIPIENT = "channel";

/** Who one event goes to on a route: each e-mail address for smtp, the channel for the others. Pure. */
export function recipientsOf(spec: Pick<NotificationRouteSpec, "channel" | "recipients">): string[] {
  return spec.channel.type === "smtp" ? [...new Set(spec.recipients.emails)] : [CHANNEL_RECIPIENT];
}

/**
 * The id of one delivery: a digest of the event (the entry's hash), the route's uid and the recipient, so every
 * pass, replica and retry names the same delivery alike, and a re-created route is a new one.
 */
export function deliveryId(eventHash: string, routeUid: string, recipient: string): string {
  return createHash("sha256").update(`${eventHash}/${routeUid}/${recipient}`).digest("hex").slice(0, 32);
}
