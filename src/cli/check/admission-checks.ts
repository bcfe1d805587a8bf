import { checkAdmissionControls } from "../../controllers/admission-guard/admission-controls.js";
import type { Check, CheckContext } from "./check-context.js";
import { errored, failed, passed, unknown, type CheckVerdict } from "./check-result.js";
import { servingChainPem } from "./serving-certificate.js";
import { PROBE_RULE, sendProbe, stampedRequester, type ProbeOutcome } from "./webhook-probes.js";

const REAPPLY =
  "Re-apply config/webhook and config/policy (or upgrade the Helm release) with the caBundle of the CA that " +
  "signed the serving certificate; each problem above names its own fix.";

function describeTarget(ctx: CheckContext): string {
  const { target } = ctx.expected;
  return "url" in target ? target.url : `Service ${target.service.namespace}/${target.service.name}`;
}

/**
 * The admission guard's own check (src/controllers/admission-guard), run from outside: both webhook configurations
 * and the closed-object policy with its binding are registered, point at the operator, fail closed and see
 * everything. The caBundles are compared with the serving certificate when it could be observed.
 */
export const admissionControlsCheck: Check = {
  name: "admission-controls",
  title: "The admission webhooks and the closed-object policy are registered and point at the operator",
  async run(ctx) {
    const [observed, serving] = await Promise.all([ctx.admissionControls(), ctx.servingCertificate()]);
    const chain = servingChainPem(serving);
    const verdict = checkAdmissionControls({ ...observed, servingCertPem: chain }, ctx.expected);
    if (!verdict.intact) {
      return failed(
        "The admission controls are not registered as the operator expects, so its admission guard holds every " +
          "gate and writes may bypass Stagegate's rules.",
        REAPPLY,
        verdict.problems,
      );
    }
    const source =
      serving.handshake?.probe.chainPem !== undefined ? serving.handshake.url : serving.secret?.name;
    return passed(
      `${ctx.options.mutatingWebhookConfiguration} and ${ctx.options.validatingWebhookConfiguration} call the ` +
        `operator at ${describeTarget(ctx)} for all ${ctx.expected.paths.length} webhook paths with failurePolicy ` +
        `Fail, and ${ctx.options.closedObjectsPolicy} is bound with Deny.`,
      [
        chain === undefined
          ? "The caBundles were not compared with the serving certificate: it could not be observed from here " +
            "(see the certificates check)."
          : `Every caBundle verifies the serving certificate (read from ${source}).`,
      ],
    );
  },
};

interface ProbeJudgement {
  evidence?: string;
  problem?: { message: string; fix: string };
  notProbed?: { message: string; fix: string };
}

function judgeMutating(outcome: ProbeOutcome, user: string): ProbeJudgement {
  switch (outcome.kind) {
    case "admitted": {
      const stamped = stampedRequester(outcome.object);
      if (stamped === user) {
        return { evidence: `The mutating webhook stamped a dry-run ChangeRequest as requested by ${user}.` };
      }
      return {
        problem: {
          message:
            stamped === undefined
              ? "A dry-run ChangeRequest came back without spec.requestedBy: the mutating webhook was not called."
              : `A dry-run ChangeRequest came back stamped as requested by ${stamped}, not by you (${user}).`,
          fix: REAPPLY,
        },
      };
    }
    case "webhookFailed":
      return { problem: { message: outcome.message, fix: outcome.fix } };
    case "notProbed":
      return { notProbed: { message: outcome.message, fix: outcome.fix } };
    default:
      return {
        problem: { message: `A valid dry-run ChangeRequest was refused: ${outcome.message}`, fix: REAPPLY },
      };
  }
}

function judgeValidating(outcome: ProbeOutcome): ProbeJudgement {
  switch (outcome.kind) {
    case "refusedByOperator":
      return {
        evidence: `The validating webhook refused a dry-run expired Emergency ChangeRequest with the operator's rule ${PROBE_RULE}.`,
      };
    case "admitted":
      return {
        problem: {
          message:
            "A dry-run Emergency ChangeRequest that expired in 2000 was admitted: the validating webhook was not called.",
          fix: REAPPLY,
        },
      };
    case "webhookFailed":
      return { problem: { message: outcome.message, fix: outcome.fix } };
    case "notProbed":
      return { notProbed: { message: outcome.message, fix: outcome.fix } };
    case "refusedOtherwise":
      return {
        problem: {
          message: `A dry-run expired Emergency ChangeRequest was refused, but not by the operator's rule ${PROBE_RULE}: ${outcome.message}`,
          fix: REAPPLY,
        },
      };
  }
}

/**
 * The webhooks answer the API server: a dry-run ChangeRequest comes back stamped by the mutating webhook, and a
 * dry-run the operator must refuse is refused with its rule. Dry runs store and record nothing.
 */
export const webhooksAnsweringCheck: Check = {
  name: "webhooks-answering",
  title: "The admission webhooks answer the API server",
  async run(ctx): Promise<CheckVerdict> {
    const namespace = ctx.options.probeNamespace;
    const judgements = [
      judgeMutating(await sendProbe(ctx.client, namespace, false, true), ctx.user.username),
      judgeValidating(await ctx.validatingProbe()),
    ];
    // Both probes pass the mutating webhook first, so one unreachable webhook can fail both the same way.
    const problems = judgements
      .flatMap((j) => (j.problem === undefined ? [] : [j.problem]))
      .filter((p, i, all) => all.findIndex((q) => q.message === p.message) === i);
    const evidence = judgements.flatMap((j) => (j.evidence === undefined ? [] : [j.evidence]));
    const policyNote =
      "The closed-object policy is enforced by the API server itself; it was checked as registered, not exercised.";
    const first = problems[0];
    if (first !== undefined) {
      return failed(
        `The API server could not get the operator's answer to its dry-run probes in namespace ${namespace}.`,
        first.fix,
        [...problems.map((p) => p.message), ...evidence],
      );
    }
    const notProbed = judgements.find((j) => j.notProbed !== undefined)?.notProbed;
    if (notProbed !== undefined) {
      return errored(`The webhooks could not be probed: ${notProbed.message}`, notProbed.fix, evidence);
    }
    return passed(`The operator answered the API server's dry-run probes in namespace ${namespace}.`, [
      ...evidence,
      policyNote,
    ]);
  },
};

/**
 * Only the API server may call the webhooks (ADR 0013): a caller without its client certificate is refused. That is
 * observed directly for a URL target; a Service inside the cluster cannot be reached from here.
 */
export const webhookClientAuthCheck: Check = {
  name: "webhook-client-auth",
  title: "The webhooks answer only the API server's client certificate",
  async run(ctx) {
    const serving = await ctx.servingCertificate();
    const handshake = serving.handshake;
    if (handshake === undefined) {
      const answered = (await ctx.validatingProbe()).kind === "refusedByOperator";
      return unknown(
        `The webhook ${describeTarget(ctx)} cannot be reached from outside the cluster, so whether it refuses ` +
          "callers without the API server's client certificate was not observed.",
        "Make sure kube-apiserver presents its webhook client certificate (--admission-control-config-file, " +
          'docs/operator.md "Who may call the webhooks") and that nothing terminates TLS in front of the operator.',
        answered
          ? [
              "The API server's calls are answered (webhooks-answering); the operator completes TLS only with a " +
                "client certificate from --webhook-client-ca-file and does not start without that CA.",
            ]
          : [],
      );
    }
    const { probe, url } = handshake;
    if (probe.answeredWithoutClientCertificate === false) {
      return passed(
        `The webhook server at ${url} refused a TLS connection without a client certificate (${probe.ending}).`,
      );
    }
    if (probe.answeredWithoutClientCertificate === true) {
      return failed(
        `The webhook server at ${url} answered a caller without a client certificate (${probe.ending}): anyone ` +
          "who reaches it can send it AdmissionReviews.",
        "Run the operator with --webhook-client-ca-file naming the CA of the API server's webhook client " +
          "certificate (ADR 0013), and remove anything that terminates TLS in front of it.",
      );
    }
    return unknown(
      `The webhook server at ${url} could not be reached from here (${probe.ending}).`,
      "Run stagegate check from where the webhook URL is reachable.",
    );
  },
};
