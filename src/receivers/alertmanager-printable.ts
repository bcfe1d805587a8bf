import { printableLine, printableText } from "../runtime/printable-text.js";
import type { WebhookAlert, WebhookPayload } from "./alertmanager-payload.js";

/**
 * A notification with every piece of text a person will later read (labels, annotations, the receiver's name,
 * links) stripped of terminal escape sequences and control characters, so nothing an alert carries can rewrite
 * a terminal through `kubectl describe`, an Event or the CLI. Label values and names become single lines;
 * annotations (summaries, descriptions) keep their newlines. A key that is empty once cleaned is dropped.
 */
export function printablePayload(payload: WebhookPayload): WebhookPayload {
  return {
    ...payload,
    receiver: printableLine(payload.receiver),
    alerts: payload.alerts.map(printableAlert),
    ...(payload.groupKey === undefined ? {} : { groupKey: printableLine(payload.groupKey) }),
  };
}

/** One alert made printable, as {@link printablePayload} describes. */
export function printableAlert(alert: WebhookAlert): WebhookAlert {
  return {
    ...alert,
    labels: printableMap(alert.labels, printableLine),
    annotations: printableMap(alert.annotations, printableText),
    ...(alert.generatorURL === undefined ? {} : { generatorURL: printableLine(alert.generatorURL) }),
  };
}

function printableMap(
  map: Readonly<Record<string, string>>,
  value: (text: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(map)) {
    const cleanKey = printableLine(key);
    if (cleanKey !== "") out[cleanKey] = value(text);
  }
  return out;
}
