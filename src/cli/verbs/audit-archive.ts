import { z } from "zod";
import { ArchiveClass } from "../../audit/archive/document.js";
import type { ArchiveRow } from "../../audit/archive/store.js";
import {
  verifyArchivedDocument,
  type ArchiveDocumentVerification,
} from "../../audit/archive/verify-document.js";
import { UsageError } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { formatTable, writeJson } from "../output.js";
import { EXIT, type CliIo, type ExitCode, type Verb } from "../verb.js";
import {
  ARCHIVE_SOURCE_FLAGS,
  archiveSourceFrom,
  describeChain,
  openArchiveSource,
  type ArchiveSource,
  type OpenedArchive,
} from "./audit-archive-source.js";

const LIST_FLAGS = {
  ...ARCHIVE_SOURCE_FLAGS,
  class: { type: "string", value: "CLASS", help: "only this class: release, change or task" },
  name: { type: "string", value: "NAME", help: "only documents about objects of this name" },
} as const;

const ListFilter = z.object({
  class: z.enum(ArchiveClass.options, { error: "--class must be release, change or task" }).optional(),
  name: z.string().min(1, "--name must name an object").optional(),
});

const DocumentRef = z.union([
  z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .transform((hash) => ({ hash })),
  z
    .string()
    .regex(/^(release|change|task)\/[A-Za-z0-9-]{1,128}$/)
    .transform((ref) => {
      const [archiveClass = "", uid = ""] = ref.split("/");
      return { class: ArchiveClass.parse(archiveClass), uid };
    }),
]);

/** Options of `stagegate audit archive list`. */
export type ArchiveListOptions = GlobalOptions & z.infer<typeof ListFilter> & { source: ArchiveSource };
/** Options of `stagegate audit archive get`. */
export type ArchiveGetOptions = GlobalOptions & { source: ArchiveSource; ref: z.infer<typeof DocumentRef> };

/** Runs `work` on the opened archive, closing it after; an unreadable archive is exit 2 with the reason. */
/** Opens the archive `source` names for `work` and closes it after; exit 2 when it cannot be read. */
export async function withArchive(
  verb: string,
  source: ArchiveSource,
  io: CliIo,
  work: (opened: OpenedArchive) => Promise<ExitCode>,
): Promise<ExitCode> {
  let opened: OpenedArchive;
  try {
    opened = await openArchiveSource(source);
  } catch (err) {
    io.stderr(`stagegate ${verb}: cannot read the archive: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  try {
    return await work(opened);
  } finally {
    await opened.store.close();
  }
}

/**
 * `stagegate audit archive list`: the archived documents, each checked against the chain entry that records it,
 * and the chain itself verified. Reads only. Exit 1 when any document or the chain does not verify.
 */
export const auditArchiveListVerb: Verb<ArchiveListOptions> = {
  name: "audit archive list",
  summary: "List archived records, each verified against the audit chain",
  usage: [
    "Usage: stagegate audit archive list (--database-url URL [--password-file FILE] | --trail FILE)",
    "         [--class release|change|task] [-n NAMESPACE] [--name NAME] [-o json]",
    "",
    "Lists the documents Stagegate archived when a Release completed, a ChangeRequest closed or a DeploymentTask",
    "ended, oldest first. Each is checked: its content must hash to its name, and a RecordArchived entry of the",
    "audit chain must record that hash; the chain itself is verified as `stagegate audit verify` does. Changes",
    "nothing. Exit code 0 when everything verifies, 1 when anything does not, 2 when the archive cannot be read.",
    "",
    formatFlags(LIST_FLAGS),
    "",
    "Examples:",
    "  stagegate audit archive list --database-url postgresql://auditor@db:5432/stagegate --class change -n payments",
    "  stagegate audit archive list --trail /var/lib/stagegate/audit.jsonl",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit archive list", argv, env, LIST_FLAGS);
    expectPositionals(positionals, []);
    const filter = validateFlags(ListFilter, { class: values.class, name: values.name });
    return { ...global, ...filter, source: archiveSourceFrom(values) };
  },

  run(options, io) {
    return withArchive("audit archive list", options.source, io, async (opened) => {
      const rows = await opened.store.list({
        class: options.class,
        namespace: options.namespace,
        name: options.name,
      });
      const checked: { row: ArchiveRow; verification: ArchiveDocumentVerification }[] = [];
      for (const row of rows)
        checked.push({ row, verification: await verifyArchivedDocument(opened.store, row) });
      const ok = opened.chain.ok && checked.every((c) => c.verification.ok);
      if (options.output === "json") {
        writeJson(io, {
          chain: opened.chain,
          documents: checked.map(({ row, verification }) => ({
            ...verification,
            kind: row.kind,
            namespace: row.namespace,
            name: row.name,
            closedAt: row.closedAt.toISOString(),
            archivedAt: row.archivedAt.toISOString(),
          })),
        });
      } else {
        io.stdout(
          formatTable(
            ["HASH", "CLASS", "NAMESPACE", "NAME", "CLOSED", "ARCHIVED", "VERIFIED"],
            checked.map(({ row, verification }) => [
              row.hash,
              row.class,
              row.namespace ?? "",
              row.name,
              row.closedAt.toISOString(),
              row.archivedAt.toISOString(),
              verification.ok
                ? `yes (entry ${verification.recordedAt ?? ""})`
                : `NO: ${verification.problem ?? ""}`,
            ]),
          ),
        );
        io.stdout(`${describeChain(opened)}\n`);
      }
      return ok ? EXIT.ok : EXIT.failed;
    });
  },
};

/**
 * `stagegate audit archive get HASH|CLASS/UID`: prints one archived document once it verifies against the
 * chain entry that records it (and the chain verifies); otherwise says why and prints nothing of it. Reads only.
 */
export const auditArchiveGetVerb: Verb<ArchiveGetOptions> = {
  name: "audit archive get",
  summary: "Print one archived record after verifying it against the audit chain",
  usage: [
    "Usage: stagegate audit archive get HASH|CLASS/UID (--database-url URL [--password-file FILE] | --trail FILE)",
    "         [-o json]",
    "",
    "Prints the archived document with that hash, or the one archived for the object with that uid",
    "(CLASS is release, change or task), after checking that its content hashes to its name, that a",
    "RecordArchived entry of the audit chain records that hash, and that the chain verifies. The objects may",
    "long be gone from the cluster. Changes nothing. Exit code 0 when it verifies, 1 when it does not or is not",
    "archived, 2 when the archive cannot be read.",
    "",
    formatFlags(ARCHIVE_SOURCE_FLAGS),
    "",
    "Examples:",
    "  stagegate audit archive get change/6f1c0e4e-0c2b-4f0a-9a55-3d0c2f7f1a10 --database-url postgresql://auditor@db/stagegate",
    "  stagegate audit archive get 3b0c...e9 --trail /var/lib/stagegate/audit.jsonl -o json",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs(
      "audit archive get",
      argv,
      env,
      ARCHIVE_SOURCE_FLAGS,
    );
    const [ref = ""] = expectPositionals(positionals, ["HASH|CLASS/UID"]);
    const parsed = DocumentRef.safeParse(ref);
    if (!parsed.success) {
      throw new UsageError(
        `"${ref}" names no document: give its hash (64 lower-case hex digits) or CLASS/UID, e.g. change/<the ChangeRequest's uid>.`,
      );
    }
    return { ...global, source: archiveSourceFrom(values), ref: parsed.data };
  },

  run(options, io) {
    return withArchive("audit archive get", options.source, io, async (opened) => {
      const { ref } = options;
      const row =
        "hash" in ref ? await opened.store.get(ref.hash) : await opened.store.find(ref.class, ref.uid);
      const what = "hash" in ref ? ref.hash : `${ref.class}/${ref.uid}`;
      if (row === undefined) {
        io.stderr(`stagegate audit archive get: nothing is archived as ${what} in ${opened.store.where}.\n`);
        return EXIT.failed;
      }
      const verification = await verifyArchivedDocument(opened.store, row);
      const ok = verification.ok && opened.chain.ok;
      if (!ok) {
        const why = verification.ok ? describeChain(opened) : `${verification.problem ?? ""}.`;
        io.stderr(`stagegate audit archive get: the document ${row.hash} does not verify: ${why}\n`);
        if (options.output === "json") writeJson(io, { verification, chain: opened.chain });
        return EXIT.failed;
      }
      const document: unknown = JSON.parse(row.text);
      if (options.output === "json") writeJson(io, { verification, chain: opened.chain, document });
      else {
        io.stdout(`${JSON.stringify(document, null, 2)}\n`);
        io.stderr(
          `Archived document ${row.hash} verified against audit entry ${verification.recordedAt ?? ""}.\n`,
        );
      }
      return EXIT.ok;
    });
  },
};
