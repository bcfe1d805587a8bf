import type { EnvironmentInput } from "./environment-step.js";

/**
 * Whether the delivery tool was asked for a promotion recorded with its request pending: the target's lock names
 * `self` and the target shows the request made (`lockWithRequest`, ADR 0037). A lock that shows none is asked again
 * (the adapters' requests are idempotent). Pure.
 */
export function lockedWithRequest(
  input: Pick<EnvironmentInput, "lockHolder" | "lockWithRequest">,
  self: string,
): boolean {
  return input.lockHolder === self && input.lockWithRequest !== false;
}
