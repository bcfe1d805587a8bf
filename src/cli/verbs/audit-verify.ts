import type { KeyObject } from "node:crypto";
import { z } from "zod";
import type { CheckpointVerification } from "../../audit/checkpoints/check.js";
import { loadTrustedKeys, SigningKeyError } from "../../audit/checkpoints/signing-key.js";
import {
  formatCheckpointVerification,
  listCheckpoints,
  verifyFileAgainstCheckpoints,
} from "../../audit/checkpoints/verify-against.js";
import { formatVerification, type AuditVerification } from "../../audit/verification.js";
import { verifyAuditFile } from "../../audit/verify.js";
import { UsageError } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";

const FLAGS = {
  "public-key": {
    type: "string",
    value: "FILES",
    help: "comma-separated PEM files of the trusted ed25519 checkpoint keys: also check the trail against its signed checkpoints",
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
} as const;

const CheckpointFlags = z.object({
  publicKeys: z.array(z.string().min(1, "--public-key must name PEM files, separated by commas")).optional(),
  checkpointNamespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "--checkpoint-namespace must be a namespace name")
    .default("stagegate-system"),
  writer: z.string().min(1).max(253, "--writer must be a pod name").optional(),
});

/** Options of `stagegate audit verify`: the audit file, the output format, and where its checkpoints are. */
export type AuditVerifyOptions = GlobalOptions & { file: string } & z.infer<typeof CheckpointFlags>;

/** Whether an error means the file could not be read at all (missing, unreadable, a directory). */
function isUnreadable(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";
}

/**
 * `stagegate audit verify FILE`: checks an audit trail's hash chain and names the first entry edited, removed
 * or reordered. Exit 0 when intact, 1 when broken, 2 when the file cannot be read.
 */
export const auditVerifyVerb: Verb<AuditVerifyOptions> = {
  name: "audit verify",
  summary: "Check an audit trail's hash chain; name the first entry tampered with",
  usage: [
    "Usage: stagegate audit verify FILE [--public-key FILES [--checkpoint-namespace NAME] [--writer NAME]] [-o json]",
    "",
    "Recomputes the hash chain of an audit trail (the JSON-lines file a replica writes with --audit-log) and",
    "names the first entry that was edited, removed or reordered. With --public-key it also reads the signed",
    "checkpoints the operator published (immutable ConfigMaps) and checks the trail against them: entries",
    "removed from its end, a trail rewritten or replaced by anyone without the signing key, and checkpoints",
    "forged or deleted. Exit code 0 when everything agrees, 1 when anything does not, 2 when FILE or a key",
    "cannot be read. Without --public-key it needs no cluster.",
    "",
    formatFlags(FLAGS),
    "",
    "Examples:",
    "  stagegate audit verify /var/log/stagegate/audit.jsonl",
    "  stagegate audit verify audit.jsonl --public-key checkpoint-key.pub --writer stagegate-0",
  ].join("\n"),

  parse(argv, env) {
    const { global, positionals, values } = parseVerbArgs("audit verify", argv, env, FLAGS);
    const [file = ""] = expectPositionals(positionals, ["FILE"]);
    const keys = values["public-key"];
    const flags = validateFlags(CheckpointFlags, {
      publicKeys: typeof keys === "string" ? keys.split(",").map((k) => k.trim()) : undefined,
      checkpointNamespace: values["checkpoint-namespace"],
      writer: values.writer,
    });
    if (
      flags.publicKeys === undefined &&
      (values.writer !== undefined || values["checkpoint-namespace"] !== undefined)
    ) {
      throw new UsageError(
        "--writer and --checkpoint-namespace need --public-key (the keys checkpoints are checked with).",
      );
    }
    return { ...global, file, ...flags };
  },

  async run(options, io) {
    let result: AuditVerification;
    try {
      result = await verifyAuditFile(options.file);
    } catch (err) {
      if (!isUnreadable(err)) throw err;
      io.stderr(`stagegate audit verify: cannot read ${options.file}: ${err.message}\n`);
      return EXIT.usage;
    }
    let checkpoints: CheckpointVerification | undefined;
    if (options.publicKeys !== undefined) {
      let keys: Map<string, KeyObject>;
      try {
        keys = await loadTrustedKeys(options.publicKeys);
      } catch (err) {
        if (!(err instanceof SigningKeyError)) throw err;
        io.stderr(`stagegate audit verify: --public-key: ${err.message}\n`);
        return EXIT.usage;
      }
      const found = await withSession(io, options.kubeconfig, ({ client }) =>
        listCheckpoints(client, options.checkpointNamespace),
      );
      checkpoints = await verifyFileAgainstCheckpoints(options.file, found, keys, options.writer);
    }
    if (options.output === "json") {
      writeJson(io, { file: options.file, ...result, ...(checkpoints === undefined ? {} : { checkpoints }) });
    } else {
      io.stdout(`${formatVerification(result, options.file)}\n`);
      if (checkpoints !== undefined)
        io.stdout(`${formatCheckpointVerification(checkpoints, options.file)}\n`);
    }
    return result.ok && checkpoints?.ok !== false ? EXIT.ok : EXIT.failed;
  },
};
