import { Gauge, type Registry } from "prom-client";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import type { Logger } from "../../runtime/logging.js";
import {
  checkAdmissionControls,
  type ExpectedAdmissionControls,
  type ObservedAdmissionControls,
} from "./admission-controls.js";

const group = "admissionregistration.k8s.io";
/** The four kinds the guard reads by name (the operator may get them, nothing more). */
export const admissionResources = {
  mutating: {
    group,
    version: "v1",
    plural: "mutatingwebhookconfigurations",
    kind: "MutatingWebhookConfiguration",
    namespaced: false,
  },
  validating: {
    group,
    version: "v1",
    plural: "validatingwebhookconfigurations",
    kind: "ValidatingWebhookConfiguration",
    namespaced: false,
  },
  policy: {
    group,
    version: "v1",
    plural: "validatingadmissionpolicies",
    kind: "ValidatingAdmissionPolicy",
    namespaced: false,
  },
  binding: {
    group,
    version: "v1",
    plural: "validatingadmissionpolicybindings",
    kind: "ValidatingAdmissionPolicyBinding",
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;

/** The gate's question: may it open? `message` says why not, in a sentence a release's condition can carry. */
export interface AdmissionControlsState {
  intact: boolean;
  message: string;
}

const NOT_RUNNING: AdmissionControlsState = {
  intact: true,
  message:
    "The admission guard does not run in this process (--admission-guard=false, or in-process tests); nothing " +
    "was checked.",
};
let state: AdmissionControlsState = NOT_RUNNING;

/**
 * Whether the operator's admission webhooks and the closed-object policy are registered as shipped and point at
 * it, as of the last check. While they are missing or altered it is `{ intact: false }` with a message naming every
 * problem and its fix: the Release gate opens nothing then. Before the first check of a started guard it is not
 * intact ("not checked yet"); in a process that never started the guard (in-process controller tests) it is
 * intact, saying so.
 */
export function admissionControlsIntact(): AdmissionControlsState {
  return state;
}

/** How to run the guard. */
export interface AdmissionGuardOptions {
  client: KubeClient;
  log: Logger;
  registry: Registry;
  expected: ExpectedAdmissionControls;
  /** The operator's serving certificate (PEM), asked for on every check (it rotates). */
  servingCertPem: () => Promise<string>;
  intervalMs: number;
  /** Called when the verdict turns (intact to not, or back), so waiting releases can be looked at again. */
  onChange?: ((state: AdmissionControlsState) => void) | undefined;
}

/** A running guard; `stop` ends the polling. */
export interface AdmissionGuard {
  /** Runs one check now and returns the new state. */
  check(): Promise<AdmissionControlsState>;
  stop(): void;
}

async function readOrAbsent(client: KubeClient, type: ResourceType, name: string): Promise<unknown> {
  try {
    return await client.get(type, name);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Reads the two webhook configurations, the closed-object policy and its binding as registered with the API
 * server (undefined for each that does not exist), for {@link checkAdmissionControls}. The guard and
 * `stagegate check` read them the same way.
 */
export async function readAdmissionControls(
  client: KubeClient,
  expected: ExpectedAdmissionControls,
): Promise<Omit<ObservedAdmissionControls, "servingCertPem">> {
  const [mutating, validating, policy, binding] = await Promise.all([
    readOrAbsent(client, admissionResources.mutating, expected.mutatingConfiguration),
    readOrAbsent(client, admissionResources.validating, expected.validatingConfiguration),
    readOrAbsent(client, admissionResources.policy, expected.closedObjectsPolicy),
    readOrAbsent(client, admissionResources.binding, expected.closedObjectsPolicy),
  ]);
  return { mutating, validating, policy, binding };
}

/** The first re-check after a check found the controls not intact; each next one waits twice as long. */
export const FIRST_RECHECK_MS = 250;

/**
 * How long to wait before the next check. Intact controls are checked every `intervalMs`. While they are not
 * intact (an install that registers its webhooks after the operator starts, a rotation in progress) the guard looks
 * again after {@link FIRST_RECHECK_MS}, doubling up to `intervalMs`, so a gate held for a control that has since
 * appeared opens within a moment rather than a whole interval later; a control that stays missing costs at most a
 * handful of extra reads before the pace is back to `intervalMs`.
 */
export function nextCheckDelayMs(
  check: { intact: boolean; wasIntact: boolean },
  previousMs: number,
  intervalMs: number,
): number {
  if (check.intact) return intervalMs;
  const next = check.wasIntact || previousMs <= 0 ? FIRST_RECHECK_MS : previousMs * 2;
  return Math.min(next, intervalMs);
}

/**
 * Starts checking the admission controls every `intervalMs` (and once at once; sooner while they are not intact,
 * see {@link nextCheckDelayMs}), publishing the verdict through
 * {@link admissionControlsIntact} and the gauge `stagegate_admission_controls_intact` (1 intact, 0 not). A check
 * that cannot read the API counts as not intact: the gate fails closed.
 */
export function startAdmissionGuard(options: AdmissionGuardOptions): AdmissionGuard {
  const { client, log, expected } = options;
  const gauge = new Gauge({
    name: "stagegate_admission_controls_intact",
    help: "1 while the operator's admission webhooks and closed-object policy are registered as shipped, else 0",
    registers: [options.registry],
  });
  state = { intact: false, message: "The admission controls have not been checked yet." };
  gauge.set(0);
  let running: Promise<AdmissionControlsState> | undefined;

  async function checkOnce(): Promise<AdmissionControlsState> {
    let next: AdmissionControlsState;
    try {
      const [observed, servingCertPem] = await Promise.all([
        readAdmissionControls(client, expected),
        options.servingCertPem(),
      ]);
      const verdict = checkAdmissionControls({ ...observed, servingCertPem }, expected);
      next = verdict.intact
        ? {
            intact: true,
            message: "The admission webhooks and the closed-object policy are registered as shipped.",
          }
        : {
            intact: false,
            message: `The admission controls are not intact, so no gate opens: ${verdict.problems.join(" ")}`,
          };
    } catch (error) {
      next = {
        intact: false,
        message: `The admission controls could not be checked (${(error as Error).message}), so no gate opens.`,
      };
    }
    const turned = next.intact !== state.intact;
    if (turned || next.message !== state.message) {
      if (next.intact) log.info({}, "Found the admission controls intact");
      else log.warn({ problems: next.message }, "Found the admission controls missing or altered");
    }
    state = next;
    if (turned) options.onChange?.(next);
    gauge.set(next.intact ? 1 : 0);
    return next;
  }

  const check = (): Promise<AdmissionControlsState> => {
    running ??= checkOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let delayMs = 0;
  let wasIntact = true;
  const tick = (): void => {
    check()
      .catch((error: unknown) => {
        log.error({ err: error }, "The admission guard failed");
      })
      .finally(() => {
        if (stopped) return;
        delayMs = nextCheckDelayMs({ intact: state.intact, wasIntact }, delayMs, options.intervalMs);
        wasIntact = state.intact;
        timer = setTimeout(tick, delayMs);
        timer.unref();
      });
  };
  tick();
  return {
    check,
    stop() {
      stopped = true;
      clearTimeout(timer);
      state = NOT_RUNNING;
      options.registry.removeSingleMetric("stagegate_admission_controls_intact");
    },
  };
}
