import {
  type ServiceInfo,
  ServiceListResponseSchema,
  ServiceRestartResponseSchema,
  ServiceStartResponseSchema,
  ServiceStopResponseSchema,
  SupervisorService,
} from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { Command, Invocation, Row } from "../../cli/command.ts";
import { time } from "../../output/format.ts";
import { nodeCommand } from "./node-command.ts";

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
  return nodeCommand({
    path: ["service", verb],
    summary: `${verb} a supervised service (operator)`,
    usage: `basaltctl service ${verb} NAME -n NODES`,
    service: SupervisorService,
    method,
    output,
    mutating: true,
    request: serviceName,
    rows: (v) => [row(v.service)],
  });
};

export const serviceCommands: Command[] = [
  nodeCommand({
    path: ["services"],
    summary: "supervised services with state, pid, restarts and health",
    service: SupervisorService,
    method: "serviceList",
    output: ServiceListResponseSchema,
    rows: (v) => v.services.map(row),
  }),
  control("start"),
  control("stop"),
  control("restart"),
];
