import { LifecycleService, RebootResponseSchema, ShutdownResponseSchema } from "@basalt/api";
import { nodeCall } from "./node-call.ts";

export const reboot = nodeCall({
  service: LifecycleService,
  method: "reboot",
  output: RebootResponseSchema,
  mutating: true,
  rows: (v) => [{ RESULT: v.message }],
});

export const shutdown = nodeCall({
  service: LifecycleService,
  method: "shutdown",
  output: ShutdownResponseSchema,
  mutating: true,
  rows: (v) => [{ RESULT: v.message }],
});
