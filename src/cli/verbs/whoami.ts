import { expectPositionals, formatFlags, parseVerbArgs, type GlobalOptions } from "../flags.js";
import { reviewSelf } from "../../runtime/kube/self-review.js";
import { withSession } from "../kube-session.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";

/** Options of `stagegate whoami`: only the global ones. */
export type WhoamiOptions = GlobalOptions;

/**
 * `stagegate whoami`: prints the user name and groups the API server authenticates the caller as (a
 * SelfSubjectReview), the identity every decision is keyed and checked by.
 */
export const whoamiVerb: Verb<WhoamiOptions> = {
  name: "whoami",
  summary: "Print the user name and groups the API server knows you by",
  usage: [
    "Usage: stagegate whoami [flags]",
    "",
    "Asks the API server who you are (a SelfSubjectReview) and prints your user name and groups: the identity",
    "your decisions are recorded under and checked against.",
    "",
    formatFlags({}),
    "",
    "Example:",
    "  stagegate whoami -o json",
  ].join("\n"),

  parse(argv, env) {
    const { global, positionals } = parseVerbArgs("whoami", argv, env, {});
    expectPositionals(positionals, []);
    return global;
  },

  async run(options, io) {
    const me = await withSession(io, options.kubeconfig, ({ client }) => reviewSelf(client));
    if (options.output === "json") {
      writeJson(io, me);
    } else {
      io.stdout(`User:   ${me.username}\nGroups: ${me.groups.join(", ") || "(none)"}\n`);
    }
    return EXIT.ok;
  },
};
