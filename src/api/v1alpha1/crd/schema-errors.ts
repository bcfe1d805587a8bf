/**
 * A zod schema that cannot become a structural CRD schema. It names the JSON path of the offending field, so
 * `make generate` tells the author exactly which field to fix.
 */
export class SchemaGenerationError extends Error {
  override name = "SchemaGenerationError";

  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** Fields without a description: `kubectl explain` would print nothing for them, so generation refuses. */
export class UndocumentedFieldError extends SchemaGenerationError {
  override name = "UndocumentedFieldError";

  constructor(readonly paths: readonly string[]) {
    super(
      paths[0] ?? "",
      `every field needs a description (.describe() or .meta({ description })); missing on: ${paths.join(", ")}`,
    );
  }
}

/** A schema that refers to itself: structural schemas have no references, so it cannot be inlined. */
export class RecursiveSchemaError extends SchemaGenerationError {
  override name = "RecursiveSchemaError";

  constructor(path: string, ref: string) {
    super(path, `the schema refers to itself (${ref}); CRD schemas cannot be recursive`);
  }
}
