import { isIP } from "node:net";
import nodemailer from "nodemailer";
import type { ChannelConfig } from "./channel-secret.js";
import type { AttemptOutcome } from "./delivery-plan.js";

/** One mail to one recipient. */
export interface SmtpDelivery {
  config: Extract<ChannelConfig, { type: "smtp" }>;
  /** The address to connect to, resolved and checked once (see DestinationGuard). */
  address: string;
  to: string;
  subject: string;
  text: string;
  deliveryId: string;
  timeoutMs?: number;
}

/** The SMTP commands before the message itself: a failure at any of them means nothing was sent. */
const BEFORE_DATA = new Set(["CONN", "EHLO", "HELO", "LHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO"]);
const NOT_SENT_CODES = new Set(["EDNS", "ETLS", "EAUTH", "ENOAUTH"]);

/**
 * Sends one mail through the route's SMTP server with the route's credentials. Accepted: delivered. A 4xx answer
 * or a failure before DATA: retry (not taken). A 5xx answer: failed. A failure after DATA with no answer may have
 * been taken: failed, never resent (at most once). Never rejects.
 */
export async function sendMail(delivery: SmtpDelivery): Promise<AttemptOutcome> {
  const { config } = delivery;
  const timeout = delivery.timeoutMs ?? 15_000;
  const transport = nodemailer.createTransport({
    host: delivery.address,
    port: config.port,
    secure: config.security === "tls",
    requireTLS: config.security === "starttls",
    ignoreTLS: config.security === "none",
    name: "stagegate",
    tls: {
      ...(isIP(config.host) === 0 ? { servername: config.host } : {}),
      ...(config.caPem === undefined ? {} : { ca: config.caPem }),
    },
    ...(config.username === undefined
      ? {}
      : { auth: { user: config.username, pass: config.password ?? "" } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    await transport.sendMail({
      from: config.from,
      to: delivery.to,
      subject: delivery.subject,
      text: delivery.text,
      messageId: `<${delivery.deliveryId}@stagegate.io>`,
      headers: { "X-Stagegate-Delivery": delivery.deliveryId },
    });
    return { kind: "delivered" };
  } catch (err) {
    const { code, responseCode, command, message } = err as {
      code?: string;
      responseCode?: number;
      command?: string;
      message: string;
    };
    const said = `the SMTP server: ${message}`;
    if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
      // A recipient the server defers says nothing about the others; any other 4xx (421 busy, ...) is the server.
      return { kind: "retry", error: said, receiverDown: command !== "RCPT TO" };
    }
    if (responseCode !== undefined && responseCode >= 500) return { kind: "failed", error: said };
    if (
      (command !== undefined && BEFORE_DATA.has(command)) ||
      (code !== undefined && NOT_SENT_CODES.has(code))
    ) {
      return { kind: "retry", error: `could not send to ${said}`, receiverDown: true };
    }
    return {
      kind: "failed",
      error: `${said} (the mail may have been taken; not resent)`,
      receiverDown: true,
    };
  } finally {
    transport.close();
  }
}
