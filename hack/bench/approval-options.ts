import { z } from "zod";
import { checkedFlags, readFlags, wholeNumberFlag } from "./bench-options.js";

/** The knobs of one `make bench-approval` run, parsed once at the entry point. */
export interface ApprovalOptions {
  /** Releases approved one at a time, and as many again approved `inFlight` at a time. */
  readonly releases: number;
  /** Approvals in flight in the second run (and raw writes in flight in its baseline). */
  readonly inFlight: number;
  /** ConfigMaps created for each raw write -> watch baseline. */
  readonly rawWrites: number;
  /** Keep the control plane's and the operator's state and logs. */
  readonly keepLogs: boolean;
}

const USAGE =
  "Usage: tsx hack/bench/approval.ts [--releases=40] [--in-flight=10] [--raw-writes=200] [--keep-logs]";

const schema = z.object({
  releases: wholeNumberFlag("releases", 1, 2000),
  inFlight: wholeNumberFlag("in-flight", 1, 100),
  rawWrites: wholeNumberFlag("raw-writes", 1),
  keepLogs: z.boolean(),
});

/** Parses the command line (without node and the script). */
export function parseApprovalOptions(argv: readonly string[]): ApprovalOptions {
  const values = readFlags(
    argv,
    {
      releases: { type: "string", default: "40" },
      "in-flight": { type: "string", default: "10" },
      "raw-writes": { type: "string", default: "200" },
      "keep-logs": { type: "boolean", default: false },
    },
    USAGE,
  );
  return checkedFlags(
    schema,
    {
      releases: values.releases,
      inFlight: values["in-flight"],
      rawWrites: values["raw-writes"],
      keepLogs: values["keep-logs"],
    },
    USAGE,
  );
}
