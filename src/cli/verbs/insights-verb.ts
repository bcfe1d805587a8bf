import type { PromotionRecord } from "../../insights/measures/promotions.js";
import { collectPromotions } from "../../insights/measures/promotions.js";
import { describeTrails, readVerifiedEntries } from "../../insights/read-trails.js";
import { toCsv, toTable, type Column } from "../../insights/render.js";
import { formatFlags, type FlagSpec } from "../flags.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { INSIGHT_FLAGS, parseInsightArgs, type InsightOptions } from "./insights-options.js";

/** What makes one insights verb: its name, text, own flags, and how it turns promotions into rows. */
export interface InsightDefinition<Row> {
  name: string;
  summary: string;
  description: readonly string[];
  examples: readonly string[];
  flags?: Readonly<Record<string, FlagSpec>>;
  compute(options: InsightOptions, promotions: readonly PromotionRecord[]): Row[];
  columns: readonly Column<Row>[];
}

/**
 * Builds a `stagegate insights` verb: reads the verified trails, builds the promotions on record, computes the rows
 * and prints them as a table, JSON or CSV; each trail's verification goes to stderr. Exit 0 when every trail
 * verified, 1 when one did not (the measures leave its unvouched entries out), 2 on bad input or an unreadable trail.
 */
export function insightVerb<Row>(definition: InsightDefinition<Row>): Verb<InsightOptions> {
  const name = `insights ${definition.name}`;
  const flags = { ...INSIGHT_FLAGS, ...definition.flags };
  return {
    name,
    summary: definition.summary,
    usage: [
      `Usage: stagegate ${name} [FILE ...] [--database-url URL] [--since TIME] [--until TIME] [-l SELECTOR]`,
      "                          [--by DIMENSION] [-o table|json|csv]",
      "",
      ...definition.description,
      "Computed only from entries whose trail's hash chain vouches for them, so a restart, a deleted release or a",
      "hand-edited line does not change history. Needs no cluster.",
      "",
      formatFlags(flags),
      "",
      "Examples:",
      ...definition.examples.map((e) => `  ${e}`),
    ].join("\n"),
    parse: (argv, env) => parseInsightArgs(name, argv, env, definition.flags),
    async run(options, io) {
      let read;
      try {
        read = await readVerifiedEntries(options.trails);
      } catch (err) {
        io.stderr(`stagegate ${name}: cannot read a trail: ${(err as Error).message}\n`);
        return EXIT.usage;
      }
      const rows = definition.compute(options, collectPromotions(read.entries));
      if (options.format === "json") writeJson(io, rows);
      else if (options.format === "csv") io.stdout(toCsv(rows, definition.columns));
      else io.stdout(toTable(rows, definition.columns));
      io.stderr(describeTrails(read));
      return read.verifications.every((v) => v.verification.ok) ? EXIT.ok : EXIT.failed;
    },
  };
}
