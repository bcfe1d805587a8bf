/**
 * Raised when the image cannot be built, read or checked. The message says what failed and what to do, and carries
 * the output of the command that failed.
 */
export class ImageError extends Error {
  override readonly name: string = "ImageError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
