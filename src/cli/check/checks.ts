import {
  admissionControlsCheck,
  webhookClientAuthCheck,
  webhooksAnsweringCheck,
} from "./admission-checks.js";
import { auditStorageCheck } from "./audit-storage.js";
import { certificatesCheck } from "./certificates.js";
import type { Check } from "./check-context.js";
import { crdsCheck } from "./crds.js";
import { deliveryOwnershipCheck } from "./delivery.js";
import { operatorLeadingCheck, operatorReadyCheck } from "./operator-lease.js";
import { operatorRbacCheck } from "./operator-rbac.js";

/**
 * Every check of `stagegate check`, in the order they are run and printed: the API first, then the admission
 * controls, the operator itself, its audit trail, and the Environments it protects.
 */
export const CHECKS: readonly Check[] = [
  crdsCheck,
  admissionControlsCheck,
  webhooksAnsweringCheck,
  webhookClientAuthCheck,
  certificatesCheck,
  operatorLeadingCheck,
  operatorReadyCheck,
  operatorRbacCheck,
  auditStorageCheck,
  deliveryOwnershipCheck,
];
