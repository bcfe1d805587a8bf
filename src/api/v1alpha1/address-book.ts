import { z } from "zod";
import { LIMITS } from "./bounds.js";
import { Conditions, ObservedGeneration } from "./condition.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { EmailAddress } from "./meta.js";

/** The most names one AddressBook maps, per list. */
const MAX_ENTRIES = 1000;

/** One authenticated name and the address its mail goes to. */
export const AddressEntry = z
  .object({
    name: z
      .string()
      .min(1)
      .max(LIMITS.identity)
      .describe(
        "The user or group name exactly as the API server authenticates it (as a role binding names it).",
      ),
    email: EmailAddress.describe("Where notifications to this user or group go by e-mail."),
  })
  .describe("An authenticated name and its e-mail address.");
export type AddressEntry = z.infer<typeof AddressEntry>;

const entries = (what: string) =>
  z
    .array(AddressEntry)
    .max(MAX_ENTRIES)
    .default([])
    .meta({
      description:
        `${what}: a NotificationRoute's recipients.roles mails each member of a role at the address given here ` +
        "(docs/notifications.md). Each name at most once per AddressBook.",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    });

/**
 * The address book: which e-mail address belongs to which authenticated user and group. Written by administrators
 * only (no shipped role grants any verb on it, and as a cluster-scoped kind no namespace RoleBinding can): a person who
 * could map a colleague's name to his own address would receive her approval mail.
 */
export const AddressBookSpec = z
  .object({
    users: entries("Users by their authenticated user name"),
    groups: entries("Groups by their authenticated group name; a role member that is a group is mailed here"),
  })
  .describe("E-mail addresses of authenticated users and groups, for notifications to the roles they hold.");
export type AddressBookSpec = z.infer<typeof AddressBookSpec>;

/** The AddressBook's status: nothing is concluded about it beyond its generation. */
export const AddressBookStatus = z
  .object({ observedGeneration: ObservedGeneration, conditions: Conditions.optional() })
  .describe("The state of the address book as the operator last observed it.");

/** The AddressBook kind: cluster-wide, administrator-owned addresses of users and groups. */
export const addressBookKind: KindDefinition<typeof AddressBookSpec, typeof AddressBookStatus> = {
  kind: "AddressBook",
  plural: "addressbooks",
  singular: "addressbook",
  listKind: "AddressBookList",
  shortNames: ["addrbook", "addrbooks"],
  scope: "Cluster",
  description:
    "The e-mail addresses of authenticated users and groups, written by administrators only: notifications to a " +
    "coordination role (NotificationRoute recipients.roles) mail each of the role's members here. Every AddressBook " +
    "counts; a name mapped in several is mailed at each address.",
  spec: AddressBookSpec,
  status: AddressBookStatus,
  printerColumns: [
    { name: "Users", type: "string", jsonPath: ".spec.users[*].name", description: "The users it maps." },
    { name: "Groups", type: "string", jsonPath: ".spec.groups[*].name", description: "The groups it maps." },
    AGE_COLUMN,
  ],
};
