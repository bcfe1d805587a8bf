import { z } from "zod";
import { canonicalJson } from "../canonical-hash.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { labelValue } from "../../runtime/kube/label-value.js";
import { CheckpointBody, type SignedCheckpoint } from "./checkpoint.js";

/** The label every checkpoint ConfigMap carries, so verifiers list them and nothing else. */
export const CHECKPOINT_LABEL = "stagegate.io/audit-checkpoint";
/** The label naming the trail's writer (the replica), as a label value. */
export const WRITER_LABEL = "stagegate.io/audit-writer";

/** The ConfigMap name of a checkpoint: unique per trail (its first entry's hash) and entry. */
export function checkpointName(body: Pick<CheckpointBody, "chain" | "seq">): string {
  return `stagegate-audit-checkpoint-${body.chain.slice(0, 16)}-${body.seq}`;
}

/**
 * A checkpoint as an immutable ConfigMap: the API server refuses any change to its data, and the operator's role
 * may create ConfigMaps in its namespace but neither update nor delete them, so the trail's writer cannot take
 * back what it vouched for.
 */
export function checkpointObject(signed: SignedCheckpoint, namespace: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: checkpointName(signed.body),
      namespace,
      labels: {
        [CHECKPOINT_LABEL]: "true",
        [WRITER_LABEL]: labelValue(signed.body.writer),
        "app.kubernetes.io/name": "stagegate",
      },
    },
    immutable: true,
    data: { "checkpoint.json": canonicalJson(signed.body), signature: signed.signature },
  };
}

const CheckpointData = z.object({
  data: z.object({ "checkpoint.json": z.string().max(4096), signature: z.string().max(200) }),
});

/** A checkpoint read back from a ConfigMap, or why it is not one (a verifier reports it, never skips it). */
export type ReadCheckpoint =
  { ok: true; name: string; signed: SignedCheckpoint } | { ok: false; name: string; message: string };

/** Reads a checkpoint ConfigMap. */
export function readCheckpointObject(obj: KubeObject): ReadCheckpoint {
  const name = obj.metadata.name;
  const data = CheckpointData.safeParse(obj);
  if (!data.success) return { ok: false, name, message: "it holds no checkpoint.json and signature" };
  let raw: unknown;
  try {
    raw = JSON.parse(data.data.data["checkpoint.json"]);
  } catch {
    return { ok: false, name, message: "its checkpoint.json is not JSON" };
  }
  const body = CheckpointBody.safeParse(raw);
  if (!body.success) {
    const issue = body.error.issues[0];
    return {
      ok: false,
      name,
      message: `its checkpoint.json is not a checkpoint (${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""})`,
    };
  }
  return { ok: true, name, signed: { body: body.data, signature: data.data.data.signature } };
}
