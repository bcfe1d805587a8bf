import { z } from "zod";

/**
 * The size limits every Stagegate CRD enforces at the API server, in one place so the schemas, the receivers
 * that fill objects from outside input, and the docs agree. Generous for real use, finite so that nobody can
 * fill etcd, the audit volume or a CEL rule's cost budget with one object.
 */
export const LIMITS = {
  /** A person's or group's name, as the API server authenticates it. */
  identity: 512,
  /** Users, groups or owners in one list. */
  people: 100,
  /** Free text a person reads: descriptions, comments, evidence notes, log messages. */
  text: 4096,
  /** Items of one task's checklist. */
  checklistItems: 200,
  /**
   * Entries of one task's log. A post-deployment verification logs up to 60 measurements of up to 20 checks
   * plus their baselines (1,240 entries), so the bound leaves room above that.
   */
  logEntries: 2000,
  /** Tasks one task may depend on. */
  dependencies: 100,
  /** Entries of one label or annotation map. */
  mapEntries: 128,
  /** A key of a label or annotation map. */
  mapKey: 256,
  /** A URI (evidence, generator links). */
  uri: 2048,
  /** A content digest such as sha256:<64 hex>; 256 as the pipeline receiver accepts for a report's digest. */
  digest: 256,
  /** Deployment windows of one environment. */
  windows: 20,
} as const;

/**
 * A string-to-string map (labels, annotations) bounded in entries, key length and value length. The entry and
 * value bounds are structural; the key bound is a CEL rule, because a structural schema cannot bound keys.
 */
export function boundedStringMap(
  description: string,
  limits: { entries?: number; key?: number; value: number },
): z.ZodRecord<z.ZodString, z.ZodString> {
  const entries = limits.entries ?? LIMITS.mapEntries;
  const key = limits.key ?? LIMITS.mapKey;
  return z.record(z.string().min(1).max(key), z.string().max(limits.value)).meta({
    description,
    maxProperties: entries,
    "x-kubernetes-validations": [
      {
        rule: `self.all(k, size(k) <= ${key})`,
        message: `every key must be at most ${key} characters: shorten the longer keys`,
      },
    ],
  });
}
