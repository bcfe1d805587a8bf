import { createHash } from "node:crypto";
import type { NotificationRouteSpec } from "../api/v1alpha1/notification-route.js";
import type { StoredAuditEntry } from "../audit/entry.js";
import { environmentOf } from "../audit/export/filter.js";
import { rolesFor, type EnvironmentRoles, type TaskPlace } from "../policy/task-ownership.js";

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

/**
 * Who one event goes to on a route: each e-mail address for smtp (the route's own, then `roleEmails`, the addresses
 * the event's Environment binds to the route's roles), the channel for the others. Pure.
 */
export function recipientsOf(
  spec: Pick<NotificationRouteSpec, "channel" | "recipients">,
  roleEmails: readonly string[] = [],
): string[] {
  return spec.channel.type === "smtp"
    ? [...new Set([...spec.recipients.emails, ...roleEmails])]
    : [CHANNEL_RECIPIENT];
}

/**
 * The e-mail addresses an Environment binds to `roles` for an event about an object in `place` (its namespace and
 * labels, for the team binding): each role's `emails`, as administrators wrote them on the Environment. Pure.
 */
export function roleEmails(
  roles: readonly string[],
  environment: EnvironmentRoles | undefined,
  place: TaskPlace,
): string[] {
  if (roles.length === 0) return [];
  const bound = rolesFor(environment, place);
  return [...new Set(bound.filter((r) => roles.includes(r.role)).flatMap((r) => r.emails ?? []))];
}

/**
 * The id of one delivery: a digest of the event (the entry's hash), the route's uid and the recipient, so every
 * pass, replica and retry names the same delivery alike, and a re-created route is a new one.
 */
export function deliveryId(eventHash: string, routeUid: string, recipient: string): string {
  return createHash("sha256").update(`${eventHash}/${routeUid}/${recipient}`).digest("hex").slice(0, 32);
}
