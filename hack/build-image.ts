/**
 * `make image`: builds the operator image on this machine without a container engine or registry (see
 * hack/image/build.ts and docs/install.md, "The image") and prints where it is and how big.
 */
import { buildImage, IMAGE_RECORD, megabytes } from "./image/build.js";

const record = await buildImage();
console.log(`Built ${record.reference} in ${record.buildSeconds} s: ${record.archive}`);
console.log(`  manifest ${record.manifestDigest}`);
console.log(
  `  Node.js ${record.node}, ${record.debianPackages.length} Debian packages (versions in ${IMAGE_RECORD})`,
);
console.log(
  `  size: ${megabytes(record.sizes.compressedBytes)} compressed (the layer a registry stores and nodes pull), ` +
    `${megabytes(record.sizes.unpackedBytes)} unpacked`,
);
console.log(
  `  load it: podman load -i ${record.archive}, or ` +
    `skopeo copy oci-archive:${record.archive} docker-daemon:${record.reference}`,
);
