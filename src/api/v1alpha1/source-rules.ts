import type { z } from "zod";

/**
 * Shapes that text fields must match, each checked the same way by zod (in the operator) and by a CEL rule (at the
 * API server), so the API server's refusal carries a sentence that names the rule and the fix rather than a bare
 * regular expression. Patterns are RE2-compatible (CEL's `matches`) and contain no single quote.
 */
export interface TextShape {
  /** The regular expression, as RE2 and JavaScript both read it. */
  pattern: string;
  /** What the value must be and how to fix it, after the field name. */
  message: string;
}

/** A revision is one token: a commit id, a tag or a branch name never contains whitespace. */
export const REVISION_SHAPE: TextShape = {
  pattern: "^\\S+$",
  message: "must be one Git revision without spaces (a commit id, tag or branch): remove the whitespace",
};

/**
 * A Git repository location: an `https://`, `http://`, `ssh://`, `git://` or `file://` URL with something after
 * the scheme, or the scp-like `user@host:path` form (`git@github.com:acme/shop.git`). No whitespace.
 */
export const REPO_URL_SHAPE: TextShape = {
  pattern: "^((https?|ssh|git|file)://\\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\\S+)$",
  message:
    "must be a Git repository URL such as https://git.example.com/acme/shop.git or " +
    "git@git.example.com:acme/shop.git",
};

/** A deployment window's schedule: five cron fields, or one of croner's @nicknames. */
export const CRON_SHAPE: TextShape = {
  pattern: "^\\s*(@(yearly|annually|monthly|weekly|daily|hourly)|\\S+(\\s+\\S+){4})\\s*$",
  message:
    "must be a cron expression of five fields (minute hour day-of-month month day-of-week), for example " +
    '"0 8 * * 1-5" for 08:00 on weekdays',
};

/** An IANA time zone name's shape; whether the zone exists is checked by the Environment controller. */
export const TIME_ZONE_SHAPE: TextShape = {
  pattern: "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
  message: "must be an IANA time zone name such as UTC, Europe/Berlin or America/New_York",
};

/**
 * `base` refined to match `shape`: zod refuses a mismatch in the operator, and the CRD carries the same test as
 * a CEL rule whose message is the shape's sentence.
 */
export function shaped(base: z.ZodString, shape: TextShape): z.ZodString {
  const expression = new RegExp(shape.pattern);
  return admittedIf(
    base.refine((value) => expression.test(value), { message: shape.message }),
    shape,
  );
}

/**
 * `base` with `shape` checked at the API server only (a CEL rule), for fields whose meaning the operator
 * checks itself and explains on a condition (a window's schedule and time zone: the Environment controller
 * names the window and the fix), so an object stored before the rule still gets that explanation.
 */
export function admittedIf(base: z.ZodString, shape: TextShape): z.ZodString {
  return base.meta({
    "x-kubernetes-validations": [{ rule: `self.matches(r'${shape.pattern}')`, message: shape.message }],
  });
}
