import type { NotificationRecipients } from "../api/v1alpha1/notification-route.js";
import type { StoredAuditEntry } from "../audit/entry.js";
import { environmentOf } from "../audit/export/filter.js";
import type { RoleMention } from "./match.js";

/** What one delivery says: the event as the audit trail holds it, the route and who it is for. */
export interface Notification {
  /** The delivery id (also the receiver's idempotency key). */
  id: string;
  route: { namespace: string; name: string };
  recipient: string;
  /** Who the message names: the route's users and groups, and the holders of its roles for this event. */
  mention: Pick<NotificationRecipients, "users" | "groups"> & { roles: readonly RoleMention[] };
  entry: StoredAuditEntry;
}

/** The longest details text a chat message or mail carries; the generic webhook carries the details whole. */
const MAX_DETAILS_CHARS = 2000;

/** One line that says what happened, from the entry only (the action, the object, who). */
export function headline(entry: StoredAuditEntry): string {
  const object = `${entry.object.kind} ${entry.object.namespace ?? ""}/${entry.object.name}`;
  const environment = environmentOf(entry);
  return `${entry.action}: ${object}${environment === undefined ? "" : ` in ${environment}`} by ${entry.actor}`;
}

/** The body lines of a chat message or mail: the headline, when, whom it is for, and the entry's details. */
export function bodyLines(notification: Notification): string[] {
  const { entry, mention } = notification;
  const details = JSON.stringify(entry.details, null, 2);
  const forWhom = [
    ...mention.users,
    ...mention.groups.map((group) => `group ${group}`),
    ...mention.roles.map((role) => `role ${role.role} (${role.members.join(", ")})`),
  ];
  return [
    headline(entry),
    `Recorded at ${entry.time} (audit entry ${entry.seq}, ${entry.hash}).`,
    ...(forWhom.length === 0 ? [] : [`For: ${forWhom.join(", ")}.`]),
    `Route: ${notification.route.namespace}/${notification.route.name}.`,
    `Details: ${details.length > MAX_DETAILS_CHARS ? `${details.slice(0, MAX_DETAILS_CHARS)} ...` : details}`,
  ];
}

/** The generic webhook's JSON body: the whole entry as recorded, so a receiver can check it against the trail. */
export function webhookBody(notification: Notification): string {
  const { entry } = notification;
  return JSON.stringify({
    id: notification.id,
    route: notification.route,
    users: notification.mention.users,
    groups: notification.mention.groups,
    roles: notification.mention.roles,
    event: {
      id: entry.hash,
      seq: entry.seq,
      time: entry.time,
      actor: entry.actor,
      action: entry.action,
      object: entry.object,
      details: entry.details,
      ...(entry.transition === undefined ? {} : { transition: entry.transition }),
    },
  });
}

/** A Slack-compatible incoming webhook body (`text`, which Mattermost and Rocket.Chat take too). */
export function slackBody(notification: Notification): string {
  return JSON.stringify({ text: bodyLines(notification).join("\n") });
}

/** A Microsoft Teams incoming webhook body (a MessageCard). */
export function teamsBody(notification: Notification): string {
  const [title = "", ...rest] = bodyLines(notification);
  return JSON.stringify({
    "@type": "MessageCard",
    "@context": "http://schema.org/extensions",
    summary: title,
    title,
    text: rest.join("\n\n"),
  });
}
