/** One gate's answer. Reasons are CamelCase; messages are sentences a person can act on. */
export interface GateResult {
  pass: boolean;
  reason: string;
  message: string;
}

/** A gate: a pure function of its input (the clock included) to an answer. */
export type Gate<I> = (input: I) => GateResult;

/** What a chain of gates concluded: open only when every gate passes; `blocking` lists every failure in order. */
export interface GateVerdict {
  open: boolean;
  /** The first failure (the condition's reason), or a pass naming the whole chain. */
  summary: GateResult;
  blocking: GateResult[];
}

/** Builds a passing answer. */
export const passed = (reason: string, message: string): GateResult => ({ pass: true, reason, message });
/** Builds a blocking answer. */
export const blocked = (reason: string, message: string): GateResult => ({ pass: false, reason, message });

/**
 * Runs every gate (not only up to the first failure) so a person sees every reason an environment is held, while
 * the first failure names the condition's reason. The same verdict explains the gate in `kubectl describe`, the
 * CLI and the audit trail.
 */
export function evaluateGates<I>(input: I, gates: readonly Gate<I>[]): GateVerdict {
  const results = gates.map((gate) => gate(input));
  const blocking = results.filter((r) => !r.pass);
  const first = blocking[0];
  return {
    open: first === undefined,
    summary: first ?? passed("GateCleared", "Every gate condition is met."),
    blocking,
  };
}
