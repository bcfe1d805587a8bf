import { z } from "zod";
import type { NotificationChannel } from "../api/v1alpha1/notification-route.js";
import { isForbidden, isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { builtin } from "../runtime/kube/resource.js";

/** The shortest HMAC key a webhook route may use: a shorter key is weaker than the hash. */
export const MIN_HMAC_KEY_BYTES = 32;

/** Where and how a route's channel delivers, as its Secret says. */
export type ChannelConfig =
  | { type: "slack" | "teams"; url: URL; caPem?: string }
  | { type: "webhook"; url: URL; hmacKey: Buffer; caPem?: string }
  | {
      type: "smtp";
      host: string;
      port: number;
      from: string;
      security: "starttls" | "tls" | "none";
      username?: string;
      password?: string;
      caPem?: string;
    };

/** A channel the operator cannot use: its Secret is missing, unreadable or incomplete. Says what to fix. */
export class ChannelConfigError extends Error {
  override readonly name = "ChannelConfigError";
  constructor(
    message: string,
    readonly reason: "SecretNotFound" | "SecretForbidden" | "SecretInvalid",
  ) {
    super(message);
  }
}

/** A channel's settings and the Secret's values, which no message, condition or log may repeat. */
export interface LoadedChannel {
  config: ChannelConfig;
  secretValues: string[];
}

const httpsUrl = z
  .string()
  .trim()
  .transform((text, ctx) => {
    try {
      const url = new URL(text);
      if (url.protocol === "https:" && url.username === "" && url.password === "") return url;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: "must be an https:// URL without user or password" });
    return z.NEVER;
  });

const SmtpData = z.object({
  host: z.string().trim().min(1).max(253),
  port: z.coerce.number().int().min(1).max(65535),
  from: z.string().trim().min(3).max(254),
  security: z.enum(["starttls", "tls", "none"]).default("starttls"),
  username: z.string().optional(),
  password: z.string().optional(),
  caCert: z.string().optional(),
});

/**
 * Reads the Secret a route names, in the route's own namespace only (a route cannot point the operator at another
 * namespace's Secret), and parses it for the channel. The operator holds no credentials of its own for any
 * channel: whatever it sends, it sends with what this Secret gives.
 */
export async function loadChannel(
  client: KubeClient,
  namespace: string,
  channel: NotificationChannel,
): Promise<LoadedChannel> {
  const name = channel.secretRef.name;
  let data: Record<string, string>;
  try {
    const secret = (await client.get(builtin.secret, name, namespace)) as { data?: Record<string, string> };
    data = Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value, "base64").toString("utf8"),
      ]),
    );
  } catch (err) {
    if (isNotFound(err)) {
      throw new ChannelConfigError(
        `the Secret ${namespace}/${name} does not exist: create it`,
        "SecretNotFound",
      );
    }
    if (isForbidden(err)) {
      throw new ChannelConfigError(
        `the operator may not read the Secret ${namespace}/${name}: bind the ClusterRole ` +
          `stagegate-notification-secrets to the operator's ServiceAccount in namespace ${namespace} ` +
          "(docs/notifications.md)",
        "SecretForbidden",
      );
    }
    throw err;
  }
  const secretValues = Object.values(data).filter((value) => value.length >= 4);
  const invalid = (key: string, problem: string): ChannelConfigError =>
    new ChannelConfigError(`the Secret ${namespace}/${name}: ${key} ${problem}`, "SecretInvalid");
  const caPem = data.caCert;
  const ca = caPem === undefined ? {} : { caPem };
  if (channel.type === "smtp") {
    const parsed = SmtpData.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalid(String(issue?.path[0] ?? "data"), issue?.message ?? "is wrong");
    }
    const { caCert: _unused, username, password, ...rest } = parsed.data;
    return {
      config: {
        type: "smtp",
        ...rest,
        ...(username === undefined ? {} : { username }),
        ...(password === undefined ? {} : { password }),
        ...ca,
      },
      secretValues,
    };
  }
  const url = httpsUrl.safeParse(data.url ?? "");
  if (!url.success) throw invalid("url", "must be an https:// URL without user or password");
  if (channel.type === "webhook") {
    const hmacKey = Buffer.from(data.hmacKey ?? "", "utf8");
    if (hmacKey.length < MIN_HMAC_KEY_BYTES) {
      throw invalid("hmacKey", `must hold at least ${MIN_HMAC_KEY_BYTES} bytes (openssl rand -hex 32)`);
    }
    return { config: { type: "webhook", url: url.data, hmacKey, ...ca }, secretValues };
  }
  return { config: { type: channel.type, url: url.data, ...ca }, secretValues };
}

/** Replaces every Secret value in a text (an error from a receiver or a library) so no condition repeats one. */
export function redact(text: string, secretValues: readonly string[]): string {
  let out = text;
  for (const value of secretValues) out = out.split(value).join("[redacted]");
  return out;
}
