import type { NotificationDelivery, NotificationRouteSpec } from "../api/v1alpha1/notification-route.js";
import type { StoredAuditEntry } from "../audit/entry.js";
import type { LoadedChannel } from "./channel-secret.js";
import type { AttemptOutcome } from "./delivery-plan.js";
import { postNotification } from "./http-sender.js";
import { bodyLines, headline, slackBody, teamsBody, webhookBody, type Notification } from "./message.js";
import type { RoleMention } from "./match.js";
import { sendMail } from "./smtp-sender.js";

/** A channel ready to send: its settings, its Secret's values, and the address its host resolved to. */
export interface ReadyChannel extends LoadedChannel {
  address: string;
}

/** What every send shares: the clock (webhook timestamps) and the receiver timeout. */
export interface SendOptions {
  now: () => number;
  timeoutMs?: number | undefined;
}

/**
 * Makes one delivery of an audit entry through the route's channel: a mail, or one HTTPS POST, naming the holders of
 * the route's roles for the event (`event.roles`). Never rejects.
 */
export function sendNotification(
  channel: ReadyChannel,
  route: { namespace: string; name: string; spec: NotificationRouteSpec },
  delivery: NotificationDelivery,
  event: { entry: StoredAuditEntry; roles: readonly RoleMention[] },
  options: SendOptions,
): Promise<AttemptOutcome> {
  const { entry } = event;
  const notification: Notification = {
    id: delivery.id,
    route: { namespace: route.namespace, name: route.name },
    recipient: delivery.recipient,
    mention: { users: route.spec.recipients.users, groups: route.spec.recipients.groups, roles: event.roles },
    entry,
  };
  const { config } = channel;
  const timeouts = options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs };
  if (config.type === "smtp") {
    return sendMail({
      config,
      address: channel.address,
      to: delivery.recipient,
      subject: `[stagegate] ${headline(entry)}`,
      text: `${bodyLines(notification).join("\n")}\n`,
      deliveryId: delivery.id,
      ...timeouts,
    });
  }
  const body =
    config.type === "slack"
      ? slackBody(notification)
      : config.type === "teams"
        ? teamsBody(notification)
        : webhookBody(notification);
  return postNotification({
    url: config.url,
    address: channel.address,
    body,
    deliveryId: delivery.id,
    now: options.now,
    ...(config.caPem === undefined ? {} : { caPem: config.caPem }),
    ...(config.type === "webhook" ? { hmacKey: config.hmacKey } : {}),
    ...timeouts,
  });
}
