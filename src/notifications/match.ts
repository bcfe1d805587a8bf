import { createHash } from "node:crypto";
import type { AddressBookSpec } from "../api/v1alpha1/address-book.js";
import type { TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";
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
 * of the route's roles), each once however it is spelled in case, the channel for the others. Pure.
 */
export function recipientsOf(
  spec: Pick<NotificationRouteSpec, "channel" | "recipients">,
  roleEmails: readonly string[] = [],
): string[] {
  return spec.channel.type === "smtp"
    ? uniqueAddresses([...spec.recipients.emails, ...roleEmails])
    : [CHANNEL_RECIPIENT];
}

/** Addresses without repeats, compared without case (the first spelling stays): one address, one mail. */
function uniqueAddresses(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const key = address.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** E-mail addresses by authenticated user and group name, merged from every AddressBook (administrators' only). */
export interface AddressBookIndex {
  users: ReadonlyMap<string, readonly string[]>;
  groups: ReadonlyMap<string, readonly string[]>;
}

/** An address book that maps nobody. */
export const EMPTY_ADDRESS_BOOK: AddressBookIndex = { users: new Map(), groups: new Map() };

/** Merges AddressBook specs into one index; a name mapped in several books keeps each address. Pure. */
export function indexAddressBooks(books: readonly AddressBookSpec[]): AddressBookIndex {
  const users = new Map<string, string[]>();
  const groups = new Map<string, string[]>();
  const add = (into: Map<string, string[]>, name: string, email: string) =>
    into.set(name, [...(into.get(name) ?? []), email]);
  for (const book of books) {
    for (const entry of book.users) add(users, entry.name, entry.email);
    for (const entry of book.groups) add(groups, entry.name, entry.email);
  }
  return { users, groups };
}

/**
 * The e-mail addresses of `roles` for an event about an object in `place` (its namespace and labels, for the team
 * binding), as the event's Environment and the team's TeamRoleBindings bind them: each member's own address from the address book (a Group member:
 * the group's address) and each role's `emails`, as administrators wrote them; each address once. Pure.
 */
export function roleEmails(
  roles: readonly string[],
  environment: EnvironmentRoles | undefined,
  place: TaskPlace,
  book: AddressBookIndex = EMPTY_ADDRESS_BOOK,
  teamBindings: readonly TeamRoleBindingSpec[] = [],
): string[] {
  if (roles.length === 0) return [];
  const bound = rolesFor(environment, place, teamBindings).filter((r) => roles.includes(r.role));
  return uniqueAddresses(
    bound.flatMap((r) => [
      ...r.members.flatMap((m) => (m.kind === "Group" ? book.groups : book.users).get(m.name) ?? []),
      ...(r.emails ?? []),
    ]),
  );
}

/** A role a message names, with who holds it for the event (users by name, groups as `group NAME`). */
export interface RoleMention {
  role: string;
  members: string[];
}

/**
 * Who holds each of `roles` for an event about an object in `place`, for the message text (chat channels have no
 * per-person delivery, so they name the role's holders); a role nobody holds there is left out. Pure.
 */
export function roleMentions(
  roles: readonly string[],
  environment: EnvironmentRoles | undefined,
  place: TaskPlace,
  teamBindings: readonly TeamRoleBindingSpec[] = [],
): RoleMention[] {
  const bound = rolesFor(environment, place, teamBindings);
  return roles.flatMap((role) => {
    const members = bound.find((r) => r.role === role)?.members ?? [];
    return members.length === 0
      ? []
      : [{ role, members: members.map((m) => (m.kind === "Group" ? `group ${m.name}` : m.name)) }];
  });
}

/**
 * The id of one delivery: a digest of the event (the entry's hash), the route's uid and the recipient, so every
 * pass, replica and retry names the same delivery alike, and a re-created route is a new one.
 */
export function deliveryId(eventHash: string, routeUid: string, recipient: string): string {
  return createHash("sha256").update(`${eventHash}/${routeUid}/${recipient}`).digest("hex").slice(0, 32);
}
