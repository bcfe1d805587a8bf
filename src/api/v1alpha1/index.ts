/** The Stagegate v1alpha1 API: group constants, common types and the kinds with their schemas. */
export * from "./group.js";
export * from "./kind-definition.js";
export * from "./meta.js";
export * from "./condition.js";
export * from "./environment.js";
export * from "./binding.js";
export * from "./release-target.js";
export * from "./release.js";
export * from "./release-binding.js";
export * from "./deployment-task.js";
export * from "./change-request.js";
export * from "./approval.js";
export * from "./notification-route.js";
export * from "./kinds.js";
