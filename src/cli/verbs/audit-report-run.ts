import { writeFile } from "node:fs/promises";
import { basename } from "node:path";
import type { StoredAuditEntry } from "../../audit/entry.js";
import type { ExportedEntry } from "../../audit/export/sources.js";
import { chainProof, type ChainProof } from "../../audit/reports/chain-proof.js";
import { ChromiumError, ensureChromium, printPdf } from "../../audit/reports/pdf.js";
import { readRecord, type CheckpointInput, type ReadRecord } from "../../audit/reports/read-record.js";
import {
  DEFAULT_TEMPLATES,
  DEFAULT_TEMPLATES_DIR,
  loadTemplate,
  TemplateError,
  type ReportTemplate,
} from "../../audit/reports/templates.js";
import { CommandError, UsageError } from "../errors.js";
import { EXIT, type CliIo, type ExitCode } from "../verb.js";
import { readCheckpoints } from "./audit-checkpoint-flags.js";
import type { ReportOptions } from "./audit-report-options.js";

/** What a report verb supplies to the shared run: its kind, which entries it needs, and its model. */
export interface ReportJob {
  verb: string;
  kind: keyof typeof DEFAULT_TEMPLATES;
  keep: (entry: StoredAuditEntry) => boolean;
  build: (items: readonly ExportedEntry[], chain: ChainProof, now: Date) => { chain: ChainProof };
}

/** Loads the template, turning its error (which names the file and line) into a usage error. */
async function template(options: ReportOptions, kind: ReportJob["kind"]): Promise<ReportTemplate> {
  try {
    return await loadTemplate(options.template ?? `${DEFAULT_TEMPLATES_DIR}${DEFAULT_TEMPLATES[kind]}`);
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(`--template: ${err.message}`);
    throw err;
  }
}

/**
 * The run every report verb shares: check the browser and the template first (bad input fails before any trail is
 * read), read and verify the trails, check the checkpoints, build the model, render, print, write. Exit 0 when the
 * report is written over an intact record, 1 when it is written but a trail did not verify (the report says so at
 * its top), 2 on bad input or a trail that cannot be read.
 */
export async function runReport(options: ReportOptions, job: ReportJob, io: CliIo): Promise<ExitCode> {
  if (options.format === "pdf") {
    try {
      await ensureChromium(options.chromium);
    } catch (err) {
      if (err instanceof ChromiumError) throw new UsageError(err.message);
      throw err;
    }
  }
  const page = await template(options, job.kind);
  let checkpoints: CheckpointInput | undefined;
  if (options.publicKeys !== undefined) {
    const read = await readCheckpoints(job.verb, options, options.publicKeys, io);
    if (read === undefined) return EXIT.usage;
    checkpoints = { ...read, writers: options.writers ?? [] };
  }
  let record: ReadRecord;
  try {
    record = await readRecord({
      files: options.files,
      database: options.database,
      keep: job.keep,
      checkpoints,
    });
  } catch (err) {
    io.stderr(`stagegate ${job.verb}: cannot read a trail: ${(err as Error).message}\n`);
    return EXIT.usage;
  }
  const model = job.build(record.items, chainProof(record.trails, 0), io.now());
  let html: string;
  try {
    html = page.render(model);
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(`--template: ${err.message}`);
    throw err;
  }
  try {
    if (options.format === "pdf") await printPdf(html, options.out, options.chromium);
    else await writeFile(options.out, html);
  } catch (err) {
    if (err instanceof ChromiumError) throw new CommandError(err.message, { cause: err });
    throw new CommandError(`cannot write --output ${options.out}: ${(err as Error).message}`, { cause: err });
  }
  for (const trail of model.chain.trails) {
    io.stderr(`${trail.chain}\n`);
    for (const line of trail.checkpoints ?? []) io.stderr(`${line}\n`);
  }
  io.stderr(
    `Wrote the ${job.kind} report to ${options.out} (${options.format}, template ${basename(page.file)}).\n`,
  );
  if (!model.chain.intact) io.stderr(`${model.chain.headline}\n`);
  return model.chain.intact ? EXIT.ok : EXIT.failed;
}
