/**
 * `make image-tools`: makes sure buildah (writes the image), umoci and runc (unpack and run it in the image test) are
 * installed, installing the Debian packages when they are missing (needs root then). A quiet no-op when present.
 */
import { ensureImageTools } from "./image/debian-tools.js";

await ensureImageTools(["buildah", "umoci", "runc"], (line) => console.error(line));
