/**
 * Bad input to the insights (usual hours, a time zone, a selector, a duration): the message names the flag and the
 * fix, and the CLI turns it into a usage error (exit 2).
 */
export class InsightInputError extends Error {
  override readonly name = "InsightInputError";
}
