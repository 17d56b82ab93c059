import type { Role } from "@basalt/machinery";

const read: readonly Role[] = ["os:admin", "os:operator", "os:reader"];
const operate: readonly Role[] = ["os:admin", "os:operator"];
const admin: readonly Role[] = ["os:admin"];
/** The upgrade controller's role: what it needs to upgrade, roll back and reboot, nothing else. */
const upgrader: Role = "os:upgrader";

/**
 * Who may call what: one row per RPC, keyed by "<service type name>/<method>". Readers read,
 * operators also control services and reboot, admins may do everything. Shutdown is admin-only
 * because a node that is off needs someone at the machine (or its hypervisor) to come back; changing
 * what a node boots (upgrade, rollback) is admin-only too — apart from os:upgrader, the upgrade
 * controller's role, which may upgrade, roll back, reboot and read version and status only.
 * An exhaustiveness test walks the service descriptors against this table.
 */
export const authorizationTable: Readonly<Record<string, readonly Role[]>> = {
  "basalt.machine.v1.NodeService/Version": [...read, upgrader],
  "basalt.machine.v1.NodeService/Hostname": read,
  "basalt.machine.v1.NodeService/CpuInfo": read,
  "basalt.machine.v1.NodeService/Memory": read,
  "basalt.machine.v1.NodeService/LoadAvg": read,
  "basalt.machine.v1.NodeService/Processes": read,
  "basalt.machine.v1.NodeService/Mounts": read,
  "basalt.machine.v1.NodeService/Disks": read,
  "basalt.machine.v1.NodeService/Time": read,
  "basalt.machine.v1.NodeService/NodeStatus": [...read, upgrader],
  "basalt.machine.v1.NetworkService/Links": read,
  "basalt.machine.v1.NetworkService/Addresses": read,
  "basalt.machine.v1.NetworkService/Routes": read,
  "basalt.machine.v1.NetworkService/Sockets": read,
  "basalt.machine.v1.SupervisorService/ServiceList": read,
  "basalt.machine.v1.SupervisorService/ServiceStart": operate,
  "basalt.machine.v1.SupervisorService/ServiceStop": operate,
  "basalt.machine.v1.SupervisorService/ServiceRestart": operate,
  "basalt.machine.v1.LogService/Logs": read,
  "basalt.machine.v1.LogService/Dmesg": read,
  "basalt.machine.v1.FileService/Read": read,
  "basalt.machine.v1.FileService/List": read,
  "basalt.machine.v1.EventService/Events": read,
  "basalt.machine.v1.LifecycleService/Reboot": [...operate, upgrader],
  "basalt.machine.v1.LifecycleService/Shutdown": admin,
  "basalt.machine.v1.UpgradeService/Upgrade": [...admin, upgrader],
  "basalt.machine.v1.UpgradeService/UpgradeUpload": [...admin, upgrader],
  "basalt.machine.v1.UpgradeService/Rollback": [...admin, upgrader],
  "basalt.machine.v1.UpgradeService/UpgradeStatus": [...read, upgrader],
  // The audit trail names every client and what it was refused: admins only.
  "basalt.machine.v1.AuditService/Audit": admin,
  // Workloads are visible to readers; importing and removing images changes what the node can run
  // (and a pinned image escapes kubelet's garbage collection), so it takes an operator, like
  // restarting a service. It does not change what the node boots, so it is not admin-only.
  "basalt.machine.v1.ContainerService/ListPods": read,
  "basalt.machine.v1.ContainerService/ListContainers": read,
  "basalt.machine.v1.ContainerService/ContainerLogs": read,
  "basalt.machine.v1.ContainerService/ContainerStats": read,
  "basalt.machine.v1.ContainerService/ListImages": read,
  "basalt.machine.v1.ContainerService/ImportImage": operate,
  "basalt.machine.v1.ContainerService/RemoveImage": operate,
  // Bootstrapping creates the cluster's state once, and a kubeconfig from a control-plane node is
  // cluster-admin: admins only.
  "basalt.machine.v1.ClusterService/Bootstrap": admin,
  "basalt.machine.v1.ClusterService/Kubeconfig": admin,
  // Everyone may read the machine config, secrets redacted for all but admins (the handler
  // redacts); its history names who changed what, which any reader of the config may know. Changing
  // it decides what the node runs, whom it trusts and what it boots: admin only, confirming a
  // try-mode change included (an operator must not be able to keep an admin's trial config).
  "basalt.machine.v1.ConfigService/GetConfig": read,
  "basalt.machine.v1.ConfigService/ConfigHistory": read,
  "basalt.machine.v1.ConfigService/ApplyConfig": admin,
  "basalt.machine.v1.ConfigService/PatchConfig": admin,
  "basalt.machine.v1.ConfigService/ConfigRollback": admin,
  "basalt.machine.v1.ConfigService/ConfirmConfig": admin,
};

export type Decision =
  | { allowed: true; reason: string }
  | { allowed: false; reason: string; needed: readonly Role[] };

/** Decides whether a client holding `held` may call `procedure`; unknown procedures are denied. */
export function authorize(procedure: string, held: readonly Role[]): Decision {
  const allowed = authorizationTable[procedure];
  if (!allowed) return { allowed: false, reason: `${procedure} has no authorization rule`, needed: [] };
  const match = held.find((r) => allowed.includes(r));
  if (match) return { allowed: true, reason: `role ${match} may call ${procedure}` };
  const heldText = held.length ? held.join(", ") : "no Basalt role";
  return {
    allowed: false,
    reason: `${procedure} needs one of ${allowed.join(", ")}; the client certificate has ${heldText}`,
    needed: allowed,
  };
}
