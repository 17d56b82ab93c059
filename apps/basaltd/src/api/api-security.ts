import type { MachineConfig } from "@basalt/machinery";
import type { Logger } from "pino";
import { openAuditStore } from "../adapters/linux/audit-store.ts";
import { ApiMetrics } from "../audit/api-metrics.ts";
import { AuditTrail } from "../audit/audit-trail.ts";
import { PreauthSampler } from "../audit/preauth-sampler.ts";
import type { CallLimits } from "./interceptors.ts";
import { Limiter } from "./limits.ts";
import { Revocation } from "./revocation.ts";

/** Everything the API server needs to admit, limit, count and audit its clients. */
export interface ApiSecurity {
  audit: AuditTrail;
  metrics: ApiMetrics;
  sampler: PreauthSampler;
  limits: CallLimits & { connections: Limiter };
  /** The client-certificate serial denylist, from api.revokedSerials; ConfigService updates it. */
  revocation: Revocation;
  close(): Promise<void>;
}

/** Opens the audit trail on STATE (paths.audit) and builds the limits from api.limits. */
export async function createApiSecurity(config: MachineConfig, log: Logger): Promise<ApiSecurity> {
  const l = config.api.limits;
  const metrics = new ApiMetrics();
  const store = await openAuditStore({
    dir: config.paths.audit,
    maxBytes: config.audit.maxBytes,
    keep: config.audit.keep,
  });
  const audit = new AuditTrail(store, metrics);
  const sampler = new PreauthSampler(({ msg, fields }) => log.warn(fields, msg));
  const limits = {
    connections: new Limiter("connections", {
      total: l.connections,
      perPeer: l.connectionsPerPeer,
      adminReserve: l.adminReserve,
    }),
    calls: new Limiter("calls in flight", {
      total: l.calls,
      perPeer: l.callsPerPeer,
      adminReserve: l.adminReserve,
    }),
    follow: new Limiter("follow streams", {
      total: l.followStreams,
      perPeer: l.followStreamsPerPeer,
      adminReserve: Math.max(1, Math.floor(l.followStreams / 8)),
    }),
    fileReads: new Limiter("file reads in flight", {
      total: l.fileReads,
      perPeer: l.fileReadsPerPeer,
      adminReserve: Math.max(1, Math.floor(l.fileReads / 8)),
    }),
  };
  metrics.inUseOf = () => Object.values(limits).map((x) => ({ kind: x.kind, used: x.used }));
  const revocation = new Revocation(config.api.revokedSerials);
  revocation.onCut = (serial, address) => {
    metrics.refused("cert_revoked_in_session");
    log.info({ serial, address }, "client certificate revoked: connection cut");
  };
  return { audit, metrics, sampler, limits, revocation, close: () => store.close() };
}
