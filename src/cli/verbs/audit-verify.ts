import { formatVerification, type AuditVerification } from "../../audit/verification.js";
import { verifyAuditFile } from "../../audit/verify.js";
import { expectPositionals, formatFlags, parseVerbArgs, type GlobalOptions } from "../flags.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";

/** Options of `stagegate audit verify`: the audit file and the output format. */
export type AuditVerifyOptions = GlobalOptions & { file: string };

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
    "Usage: stagegate audit verify FILE [-o json]",
    "",
    "Recomputes the hash chain of an audit trail (the JSON-lines file a replica writes with --audit-log) and",
    "names the first entry that was edited, removed or reordered. Exit code 0 when the trail is intact, 1 when",
    "it is broken, 2 when FILE cannot be read. Needs no cluster.",
    "",
    formatFlags({}),
    "",
    "Example:",
    "  stagegate audit verify /var/log/stagegate/audit.jsonl",
  ].join("\n"),

  parse(argv, env) {
    const { global, positionals } = parseVerbArgs("audit verify", argv, env, {});
    const [file = ""] = expectPositionals(positionals, ["FILE"]);
    return { ...global, file };
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
    if (options.output === "json") writeJson(io, { file: options.file, ...result });
    else io.stdout(`${formatVerification(result, options.file)}\n`);
    return result.ok ? EXIT.ok : EXIT.failed;
  },
};
