import type * as NodeHttp from "node:http";

/**
 * Node's `http` module, taken with `process.getBuiltinModule` instead of an `import`: an ES import of `node:http`
 * builds the module's namespace, which reads every export, and one of them loads Node's bundled undici (the
 * `fetch` implementation, about 12 MiB of resident memory that the operator never uses; ADR 0034, amended). Import
 * `node:http` for types only (`import type`); tests/unit/runtime/node-http.test.ts fails when `run` loads undici.
 */
export const http: typeof NodeHttp = process.getBuiltinModule("node:http");
