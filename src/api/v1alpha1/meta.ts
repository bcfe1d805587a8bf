import { z } from "zod";

/** An RFC 3339 timestamp as the API server serialises it. */
export const Timestamp = z.iso.datetime({ offset: true }).max(64);

/**
 * A Go-style duration such as `30m`, `72h` or `1h30m`, the form Kubernetes users already write in
 * other controllers' specs.
 */
export const Duration = z
  .string()
  .max(64)
  .regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, "must be a duration such as 30m, 72h or 1h30m");

/** A Kubernetes object name (DNS-1123 subdomain). */
export const ObjectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a lowercase DNS-1123 name");

/** A person or a group that owns work, as the API server authenticates them. */
export const Owner = z
  .object({
    kind: z
      .enum(["User", "Group"])
      .default("User")
      .describe("User for one authenticated user name, Group for every member of an authenticated group."),
    name: z
      .string()
      .min(1)
      .max(512)
      .describe("The user or group name as the Kubernetes API server authenticates it."),
  })
  .describe("A user or group responsible for a piece of work.");
export type Owner = z.infer<typeof Owner>;

/** The part of ObjectMeta the operator reads; everything else passes through untouched. */
export const ObjectMeta = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z
    .array(
      z.looseObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
        blockOwnerDeletion: z.boolean().optional(),
      }),
    )
    .optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

/** An e-mail address, as SMTP takes it in RCPT TO (no display name, no comments). */
export const EmailAddress = z
  .string()
  .min(3)
  .max(254)
  .regex(
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
    "must be a plain e-mail address such as oncall@example.com",
  );
