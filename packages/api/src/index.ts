/**
 * @basalt/api: the node API contract. The generated modules are re-exported whole: every message,
 * enum and service in them is the contract by definition (proto/ is where it is chosen). The
 * hand-written parts export what clients and servers use.
 */

export {
  authorizationTable,
  authorize,
  type Decision,
} from "./authorization.ts";
export {
  fromConnectError,
  toConnectError,
} from "./connect-errors.ts";
export * from "./gen/basalt/machine/v1/audit_pb.ts";
export * from "./gen/basalt/machine/v1/cluster_pb.ts";
export * from "./gen/basalt/machine/v1/config_pb.ts";
export * from "./gen/basalt/machine/v1/containers_pb.ts";
export * from "./gen/basalt/machine/v1/events_pb.ts";
export * from "./gen/basalt/machine/v1/files_pb.ts";
export * from "./gen/basalt/machine/v1/lifecycle_pb.ts";
export * from "./gen/basalt/machine/v1/logs_pb.ts";
export * from "./gen/basalt/machine/v1/network_pb.ts";
export * from "./gen/basalt/machine/v1/node_pb.ts";
export * from "./gen/basalt/machine/v1/services_pb.ts";
export * from "./gen/basalt/machine/v1/upgrade_pb.ts";
export { allServices } from "./services.ts";
