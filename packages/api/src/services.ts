import { AuditService } from "./gen/basalt/machine/v1/audit_pb.ts";
import { ClusterService } from "./gen/basalt/machine/v1/cluster_pb.ts";
import { ConfigService } from "./gen/basalt/machine/v1/config_pb.ts";
import { ContainerService } from "./gen/basalt/machine/v1/containers_pb.ts";
import { EventService } from "./gen/basalt/machine/v1/events_pb.ts";
import { FileService } from "./gen/basalt/machine/v1/files_pb.ts";
import { LifecycleService } from "./gen/basalt/machine/v1/lifecycle_pb.ts";
import { LogService } from "./gen/basalt/machine/v1/logs_pb.ts";
import { NetworkService } from "./gen/basalt/machine/v1/network_pb.ts";
import { NodeService } from "./gen/basalt/machine/v1/node_pb.ts";
import { SupervisorService } from "./gen/basalt/machine/v1/services_pb.ts";
import { UpgradeService } from "./gen/basalt/machine/v1/upgrade_pb.ts";

/** Every service of the node API, for routers and for the authorization exhaustiveness test. */
export const allServices = [
  NodeService,
  NetworkService,
  SupervisorService,
  LogService,
  FileService,
  EventService,
  LifecycleService,
  UpgradeService,
  AuditService,
  ContainerService,
  ClusterService,
  ConfigService,
] as const;
