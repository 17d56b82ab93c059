import {
  type ServiceInfo,
  ServiceListResponseSchema,
  ServiceRestartResponseSchema,
  ServiceStartResponseSchema,
  ServiceStopResponseSchema,
  SupervisorService,
} from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { Invocation, Row } from "../../cli/command.ts";
import { time } from "../../output/format.ts";
import { nodeCall } from "./node-call.ts";

function row(s: ServiceInfo | undefined): Row {
  if (!s) return {};
  return {
    SERVICE: s.name,
    STATE: s.state,
    HEALTH: s.health,
    PID: s.pid || "-",
    RESTARTS: s.restarts,
    SINCE: time(s.since),
    LAST: s.events.at(-1)?.message ?? "",
  };
}

function serviceName(inv: Invocation) {
  const name = inv.positionals[0];
  if (!name)
    throw new BasaltError("invalid_argument", "which service?", {
      hint: "see `basaltctl services` for the names",
    });
  return { name };
}

const control = (verb: "start" | "stop" | "restart") => {
  const method = ({ start: "serviceStart", stop: "serviceStop", restart: "serviceRestart" } as const)[verb];
  const output = {
    start: ServiceStartResponseSchema,
    stop: ServiceStopResponseSchema,
    restart: ServiceRestartResponseSchema,
  }[verb];
  return nodeCall({
    service: SupervisorService,
    method,
    output,
    mutating: true,
    request: serviceName,
    rows: (v) => [row(v.service)],
  });
};

export const services = nodeCall({
  service: SupervisorService,
  method: "serviceList",
  output: ServiceListResponseSchema,
  rows: (v) => v.services.map(row),
});
export const serviceStart = control("start");
export const serviceStop = control("stop");
export const serviceRestart = control("restart");
