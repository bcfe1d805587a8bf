import type { KeyObject } from "node:crypto";
import { z } from "zod";
import type { ReadCheckpoint } from "../../audit/checkpoints/checkpoint-object.js";
import { loadTrustedKeys, SigningKeyError } from "../../audit/checkpoints/signing-key.js";
import { listCheckpoints } from "../../audit/checkpoints/verify-against.js";
import type { FlagSpec, GlobalOptions } from "../flags.js";
import { withSession } from "../kube-session.js";
import type { CliIo } from "../verb.js";

/** The flags of the audit verbs that check trails against their signed checkpoints. */
export const CHECKPOINT_FLAGS = {
  "public-key": {
    type: "string",
    value: "FILES",
    help: "comma-separated PEM files of the trusted ed25519 checkpoint keys: also check FILE against its signed checkpoints",
  },
  "checkpoint-namespace": {
    type: "string",
    value: "NAME",
    help: "namespace of the checkpoint ConfigMaps (default stagegate-system)",
  },
  writer: {
    type: "string",
    value: "NAME",
    help: "the replica that wrote FILE (its pod name): also detects a trail replaced as a whole",
  },
} as const satisfies Record<string, FlagSpec>;

/** The checkpoint flags after validation. */
export const CheckpointFlags = z.object({
  publicKeys: z.array(z.string().min(1, "--public-key must name PEM files, separated by commas")).optional(),
  checkpointNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "--checkpoint-namespace must be a namespace name")
    .default("stagegate-system"),
  writer: z.string().min(1).max(253, "--writer must be a pod name").optional(),
});

/** The trusted keys and the published checkpoints; undefined (after saying why) when a key cannot be read. */
export async function readCheckpoints(
  verb: string,
  options: Pick<GlobalOptions, "kubeconfig"> & { checkpointNamespace: string },
  publicKeys: readonly string[],
  io: CliIo,
): Promise<{ keys: Map<string, KeyObject>; found: ReadCheckpoint[] } | undefined> {
  let keys: Map<string, KeyObject>;
  try {
    keys = await loadTrustedKeys(publicKeys);
  } catch (err) {
    if (!(err instanceof SigningKeyError)) throw err;
    io.stderr(`stagegate ${verb}: --public-key: ${err.message}\n`);
    return undefined;
  }
  const found = await withSession(io, options.kubeconfig, ({ client }) =>
    listCheckpoints(client, options.checkpointNamespace),
  );
  return { keys, found };
}
