/**
 * What a receiver route answers: an HTTP status, a JSON body and extra headers. Refusals carry a CamelCase
 * `reason` and a `message` that names the field or setting at fault and the fix.
 */
export interface ReceiverAnswer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A refusal: `{reason, message}` (and `field` when one field is at fault) with a 4xx or 5xx status. */
export function refusal(
  status: number,
  reason: string,
  message: string,
  extra: { field?: string; headers?: Record<string, string> } = {},
): ReceiverAnswer {
  return {
    status,
    body: { reason, message, ...(extra.field === undefined ? {} : { field: extra.field }) },
    ...(extra.headers === undefined ? {} : { headers: extra.headers }),
  };
}

/**
 * Thrown by an event handler when the event cannot be acted on as sent (a missing Release, a task that is not
 * open): the route answers it as a refusal, never as a server failure.
 */
export class EventRejected extends Error {
  override readonly name = "EventRejected";

  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  /** The refusal this rejection answers with. */
  answer(): ReceiverAnswer {
    return refusal(this.status, this.reason, this.message);
  }
}
