export * from "./certificate-check.ts";
export * from "./client-errors.ts";
export * from "./fan-out.ts";
export * from "./targets.ts";
export * from "./transport.ts";
