import type { SupervisorService } from "@basalt/api";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { callerMaySeeSecrets } from "../api/caller.ts";
import type { DaemonContext } from "../daemon-context.ts";
import type { ServiceSnapshot } from "../supervisor/service-runner.ts";

function toInfo(s: ServiceSnapshot, privileged: boolean) {
  return {
    name: s.name,
    state: s.state,
    pid: s.pid,
    restarts: s.restarts,
    health: s.health,
    healthMessage: s.healthMessage,
    since: timestampFromDate(s.since),
    events: s.events.map((e) => ({
      time: timestampFromDate(e.time),
      state: e.state,
      message: privileged ? e.message : (e.forReaders ?? e.message),
    })),
  };
}

/** Lists and controls the services named in the machine config. */
export function supervisorService(ctx: DaemonContext): ServiceImpl<typeof SupervisorService> {
  const { supervisor } = ctx;
  return {
    serviceList: (_req, call) => ({
      services: supervisor.list().map((s) => toInfo(s, callerMaySeeSecrets(call))),
    }),
    serviceStart(req, call) {
      const runner = supervisor.get(req.name);
      runner.start();
      return { service: toInfo(runner.snapshot(), callerMaySeeSecrets(call)) };
    },
    async serviceStop(req, call) {
      const runner = supervisor.get(req.name);
      await runner.stop();
      return { service: toInfo(runner.snapshot(), callerMaySeeSecrets(call)) };
    },
    async serviceRestart(req, call) {
      const runner = supervisor.get(req.name);
      await runner.restart();
      return { service: toInfo(runner.snapshot(), callerMaySeeSecrets(call)) };
    },
  };
}
