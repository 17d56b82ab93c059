export * from "./config/client-config.ts";
export * from "./config/issues.ts";
export * from "./config/machine-config.ts";
export * from "./errors.ts";
export * from "./roles.ts";
export * from "./version.ts";
