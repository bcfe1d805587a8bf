import { AddressBookSpec, addressBookKind } from "../api/v1alpha1/address-book.js";
import { EnvironmentSpec, environmentKind } from "../api/v1alpha1/environment.js";
import { findKind } from "../api/v1alpha1/kinds.js";
import type { NotificationRouteSpec } from "../api/v1alpha1/notification-route.js";
import { resourceOf } from "../api/v1alpha1/resource-type.js";
import type { StoredAuditEntry } from "../audit/entry.js";
import { environmentOf } from "../audit/export/filter.js";
import { isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { builtin } from "../runtime/kube/resource.js";
import { NAMESPACE_TEAM_LABEL } from "../policy/task-ownership.js";
import {
  teamRoleBindingKind,
  teamRoleBindingSpecs,
  type TeamRoleBindingSpec,
} from "../api/v1alpha1/team-role-binding.js";
import {
  EMPTY_ADDRESS_BOOK,
  indexAddressBooks,
  roleEmails,
  roleMentions,
  type AddressBookIndex,
  type RoleMention,
} from "./match.js";

const environments = resourceOf(environmentKind);
const addressBooks = resourceOf(addressBookKind);
const teamRoleBindings = resourceOf(teamRoleBindingKind);

/**
 * Reads every AddressBook (cluster-scoped, written by administrators only) into one index. Without the AddressBook
 * CRD installed, the book is empty; a book that does not parse counts for nothing.
 */
export async function readAddressBook(client: KubeClient): Promise<AddressBookIndex> {
  const specs: AddressBookSpec[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.list(addressBooks, {
        limit: 500,
        ...(token === undefined ? {} : { continue: token }),
      });
      for (const item of page.items) {
        const parsed = AddressBookSpec.safeParse((item as { spec?: unknown }).spec ?? {});
        if (parsed.success) specs.push(parsed.data);
      }
      token = page.continue;
    } while (token !== undefined);
  } catch (err) {
    if (isNotFound(err)) return EMPTY_ADDRESS_BOOK;
    throw err;
  }
  return indexAddressBooks(specs);
}

/**
 * Reads every TeamRoleBinding (cluster-scoped, written by administrators only). Without the CRD installed there are
 * none; one that does not parse binds nobody.
 */
export async function readTeamRoleBindings(client: KubeClient): Promise<TeamRoleBindingSpec[]> {
  try {
    return teamRoleBindingSpecs((await client.list(teamRoleBindings)).items);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** The labels of a namespace (administrators'), undefined when it is gone. */
async function namespaceLabels(
  client: KubeClient,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    return (await client.get(builtin.namespace, name)).metadata.labels ?? {};
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What a route's roles mean for one event: the addresses to mail (smtp) and the holders to name in the message. */
export interface RoleRecipients {
  emails: string[];
  mentions: RoleMention[];
}

const NOBODY: RoleRecipients = { emails: [], mentions: [] };

/**
 * Who the route's roles are for one event: the event's Environment (its `environment` detail) binds the roles, per
 * team for the route's namespace and the event object's team label (the task-ownership lookup). By e-mail, each
 * member's own address (from `book`, read only when needed) and each role's `emails`; on every channel, the holders
 * named in the message. The team's TeamRoleBindings (from `teamBindings`, read once per pass) add their holders
 * (ADR 0056). Nobody when the event names no
 * environment, or the Environment is gone and no TeamRoleBinding binds the role there.
 */
export async function roleRecipients(
  client: KubeClient,
  spec: NotificationRouteSpec,
  namespace: string,
  entry: StoredAuditEntry,
  book: () => Promise<AddressBookIndex>,
  teamBindings: () => Promise<TeamRoleBindingSpec[]> = () => readTeamRoleBindings(client),
): Promise<RoleRecipients> {
  const roles = spec.recipients.roles;
  const environment = environmentOf(entry);
  if (roles.length === 0 || environment === undefined) return NOBODY;
  let env: EnvironmentSpec | undefined;
  try {
    const parsed = EnvironmentSpec.safeParse((await client.get(environments, environment)).spec);
    env = parsed.success ? parsed.data : undefined;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const bindings = await teamBindings();
  if (env === undefined && bindings.length === 0) return NOBODY;
  let labels: Record<string, string> | undefined;
  const kind = findKind(entry.object.kind);
  if (((env?.teamRoles.length ?? 0) > 0 || bindings.length > 0) && kind?.scope === "Namespaced") {
    try {
      const object = await client.get(resourceOf(kind), entry.object.name, namespace);
      if (entry.object.uid === undefined || object.metadata.uid === entry.object.uid)
        labels = object.metadata.labels;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  const namespaceTeam = bindings.some((b) => b.namespaces === undefined)
    ? (await namespaceLabels(client, namespace))?.[NAMESPACE_TEAM_LABEL]
    : undefined;
  const place = { environment, namespace, labels, namespaceTeam };
  return {
    emails: spec.channel.type === "smtp" ? roleEmails(roles, env, place, await book(), bindings) : [],
    mentions: roleMentions(roles, env, place, bindings),
  };
}
