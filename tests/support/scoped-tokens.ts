// Token files for the event receivers as the operator reads them: each token named and scoped (see
// src/receivers/token-scope.ts and docs/pipeline-events.md#tokens).
import { stringify } from "yaml";

/** One sender's token and scope, as a test writes it. */
export interface TestToken {
  name: string;
  token: string;
  namespaces: string[];
  releases?: string[];
  sources?: string[];
}

/** A bare token is named `<prefix>-<n>` (its place in the list, from 1) and scoped to `namespace`. */
export function scopeTokens(
  tokens: readonly (string | TestToken)[],
  prefix: string,
  namespace: string,
): TestToken[] {
  return tokens.map((token, index) =>
    typeof token === "string" ? { name: `${prefix}-${index + 1}`, token, namespaces: [namespace] } : token,
  );
}

/** The YAML of a token file holding `tokens`. */
export function scopedTokenFile(tokens: readonly TestToken[]): string {
  return stringify({ tokens });
}
