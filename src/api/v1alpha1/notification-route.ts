import { z } from "zod";
import { LIMITS, boundedStringMap } from "./bounds.js";
import { Conditions, ObservedGeneration } from "./condition.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { EmailAddress, ObjectName, Timestamp } from "./meta.js";
import { CoordinationRole } from "./roles.js";

/** The channels a route can deliver through. */
export const NotificationChannelType = z
  .enum(["smtp", "slack", "teams", "webhook"])
  .describe(
    "smtp (e-mail to recipients.emails), slack (a Slack-compatible incoming webhook), teams (a Microsoft Teams " +
      "incoming webhook) or webhook (generic JSON signed with HMAC-SHA256).",
  );
export type NotificationChannelType = z.infer<typeof NotificationChannelType>;

/** An audit action name, as the trail records it (ChangeApproved, ReleasePromoted, ...). */
const ActionName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Z][A-Za-z0-9]*$/, "must be an audit action, a CamelCase word such as ChangeApproved");

/** Who a route notifies. Users and groups are named in the message; e-mail addresses each get their own mail. */
export const NotificationRecipients = z
  .object({
    users: z
      .array(z.string().min(1).max(LIMITS.identity))
      .max(LIMITS.people)
      .default([])
      .describe("Users named in the message (as the API server authenticates them)."),
    groups: z
      .array(z.string().min(1).max(LIMITS.identity))
      .max(LIMITS.people)
      .default([])
      .describe("Groups named in the message."),
    emails: z
      .array(EmailAddress)
      .max(50)
      .default([])
      .describe("E-mail addresses; each receives every matching event once (channel smtp only)."),
    roles: z
      .array(CoordinationRole)
      .max(6)
      .default([])
      .meta({
        description:
          "Coordination roles, as the event's Environment binds them (spec.roles, or the team's spec.teamRoles for " +
          "the route's namespace). smtp mails each member at the address administrators gave them in an AddressBook " +
          "(a group member: the group's address) and the role's own emails, each address once; chat and webhook " +
          "channels name the role and its members in the message. An event that names no environment reaches no role.",
        "x-kubernetes-list-type": "set",
      }),
  })
  .describe("Who the route notifies.");
export type NotificationRecipients = z.infer<typeof NotificationRecipients>;

/** Where a route delivers: the channel and the Secret (in the route's namespace) that holds its address and keys. */
export const NotificationChannel = z
  .object({
    type: NotificationChannelType,
    secretRef: z
      .object({ name: ObjectName.describe("The Secret's name, in the route's namespace.") })
      .describe(
        "The Secret holding the channel's address and credentials, never inline: slack and teams read `url`; " +
          "webhook reads `url` and `hmacKey` (at least 32 bytes); smtp reads `host`, `port`, `from` and optionally " +
          "`username`, `password` and `security` (starttls, the default, tls or none). An https `url` may add " +
          "`caCert` (PEM) for a private CA. The operator may read it only where it was granted (docs/notifications.md).",
      ),
  })
  .describe("The channel a route delivers through.");
export type NotificationChannel = z.infer<typeof NotificationChannel>;

/** How many deliveries a route may make: a token bucket refilled every minute. */
export const NotificationRateLimit = z
  .object({
    perMinute: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(30)
      .describe("Deliveries per minute, on average; the rest wait their turn (never dropped)."),
    burst: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .describe("Deliveries that may go at once after a quiet spell."),
  })
  .describe("The route's rate limit; deliveries beyond it wait, in order.");
export type NotificationRateLimit = z.infer<typeof NotificationRateLimit>;

/** What a NotificationRoute asks for: which events, to whom, through what. */
export const NotificationRouteSpec = z
  .object({
    actions: z
      .array(ActionName)
      .min(1)
      .max(64)
      .meta({
        description:
          "The audit actions that notify (ChangeRequested, ChangeApproved, ReleasePromoted, EnvironmentFailed, " +
          "RollbackTaskOpened, ...; docs/audit.md lists them). Only facts about objects in the route's own " +
          "namespace are delivered.",
        "x-kubernetes-list-type": "set",
      }),
    environments: z
      .array(ObjectName)
      .max(20)
      .default([])
      .describe(
        "Only events about these environments; empty: any (an event that names no environment matches only then).",
      ),
    selector: z
      .object({
        matchLabels: boundedStringMap(
          "Labels the event's object must carry when the event is delivered (read from the object itself).",
          { value: 63 },
        ),
      })
      .optional()
      .describe("Only events about objects with these labels; a deleted object matches no selector."),
    recipients: NotificationRecipients.default({ users: [], groups: [], emails: [], roles: [] }),
    channel: NotificationChannel,
    rateLimit: NotificationRateLimit.default({ perMinute: 30, burst: 10 }),
  })
  .meta({
    description: "Which events of this namespace notify whom, through which channel.",
    "x-kubernetes-validations": [
      {
        rule: "self.channel.type != 'smtp' || size(self.recipients.emails) > 0 || size(self.recipients.roles) > 0",
        message:
          "an smtp route needs recipients.emails or recipients.roles: add the addresses (or roles) that should " +
          "receive the mail",
        fieldPath: ".recipients.emails",
        reason: "FieldValueRequired",
      },
      {
        rule: "self.channel.type == 'smtp' || size(self.recipients.emails) == 0",
        message:
          "recipients.emails is for channel smtp only: move the addresses to an smtp route, or name users and groups",
        fieldPath: ".recipients.emails",
        reason: "FieldValueForbidden",
      },
    ],
  });
export type NotificationRouteSpec = z.infer<typeof NotificationRouteSpec>;

/** One delivery the operator claimed and has not settled: in flight, or waiting for its next attempt. */
export const NotificationDelivery = z
  .object({
    id: z
      .string()
      .min(1)
      .max(64)
      .describe("The delivery id: a digest of the event, the route's uid and the recipient."),
    event: z.string().max(64).describe("The audit entry's hash (the event id receivers see)."),
    seq: z.number().int().min(0).describe("The audit entry's seq."),
    recipient: z.string().max(254).describe("The e-mail address, or `channel` for a webhook channel."),
    attempts: z.number().int().min(0).describe("Attempts made so far."),
    nextAttemptAt: Timestamp.optional().describe("When it is tried again (retries only)."),
    lastError: z.string().max(1024).optional().describe("Why the last attempt failed, in words."),
  })
  .describe("A delivery the operator claimed and has not yet settled.");
export type NotificationDelivery = z.infer<typeof NotificationDelivery>;

/** What the operator records about a route: where it is in the audit record, and what it could not deliver. */
export const NotificationRouteStatus = z
  .object({
    observedGeneration: ObservedGeneration,
    conditions: Conditions.optional(),
    chain: z.string().max(64).optional().describe("The audit record followed: the hash of its first entry."),
    position: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Every entry up to this seq is settled for this route (delivered, waiting below, or not matching).",
      ),
    inFlight: z
      .array(NotificationDelivery)
      .max(200)
      .optional()
      .describe(
        "Deliveries being sent. Found here after a crash they may or may not have arrived: they are counted as " +
          "interrupted, never sent again (at most once).",
      ),
    retries: z
      .array(NotificationDelivery)
      .max(200)
      .optional()
      .describe("Deliveries waiting for another attempt."),
    delivered: z.number().int().min(0).optional().describe("Deliveries that arrived."),
    failed: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Deliveries given up (refused, out of attempts, or interrupted)."),
    lastDeliveredAt: Timestamp.optional().describe("When a delivery last arrived."),
  })
  .describe("The route's delivery state as the operator last recorded it.");
export type NotificationRouteStatus = z.infer<typeof NotificationRouteStatus>;

/** The NotificationRoute kind: routing rules from audit events to e-mail, chat and signed webhooks. */
export const notificationRouteKind: KindDefinition<
  typeof NotificationRouteSpec,
  typeof NotificationRouteStatus
> = {
  kind: "NotificationRoute",
  plural: "notificationroutes",
  singular: "notificationroute",
  listKind: "NotificationRouteList",
  shortNames: ["nr", "nroutes"],
  scope: "Namespaced",
  description:
    "Which audit events of this namespace (actions, environments, labels) notify whom (users, groups, e-mail " +
    "addresses) through e-mail, Slack, Teams or a signed webhook; each event reaches each recipient at most once.",
  spec: NotificationRouteSpec,
  status: NotificationRouteStatus,
  printerColumns: [
    { name: "Channel", type: "string", jsonPath: ".spec.channel.type", description: "The channel." },
    {
      name: "Delivering",
      type: "string",
      jsonPath: '.status.conditions[?(@.type=="Delivering")].status',
      description: "Whether the last deliveries arrived.",
    },
    {
      name: "Delivered",
      type: "integer",
      jsonPath: ".status.delivered",
      description: "Deliveries that arrived.",
    },
    { name: "Failed", type: "integer", jsonPath: ".status.failed", description: "Deliveries given up." },
    AGE_COLUMN,
  ],
};
