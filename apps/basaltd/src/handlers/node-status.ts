import type { NodeStatusResponseSchema } from "@basalt/api";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { DaemonContext } from "../daemon-context.ts";
import { parseOsRelease } from "../node-info/proc-parsers.ts";
import { readSlotEntries } from "../update/slot-entries.ts";
import { bootedBlessed } from "../update/slot-status.ts";

type NodeStatusFields = MessageInitShape<typeof NodeStatusResponseSchema>;

/** Where the OS asks for a reboot (Debian's update-notifier; /var/run is a link to /run). */
export const rebootRequiredPath = "/run/reboot-required";

/**
 * NodeStatus: where the node stands, in one call — boot ID, booted version and slot, whether that
 * boot is blessed, health with its reasons (failed or unhealthy supervised services), whether the OS
 * asks for a reboot, and the kubelet's version (empty until basaltd runs the kubelet). This is what
 * the upgrade controller polls; it replaced five calls (Version, UpgradeStatus, ServiceList and two
 * file reads) per node per poll.
 */
export async function readNodeStatus(ctx: DaemonContext): Promise<NodeStatusFields> {
  const { host } = ctx;
  const [bootId, rebootRequired] = await Promise.all([
    host.readText("/proc/sys/kernel/random/boot_id").then(
      (t) => t.trim(),
      () => "",
    ),
    host.readText(rebootRequiredPath).then(
      () => true,
      () => false,
    ),
  ]);
  let bootedVersion: string;
  let bootedSlot = "";
  let blessed = false;
  if (ctx.update) {
    const { booted, esp } = ctx.update;
    bootedVersion = booted.version;
    bootedSlot = booted.slot;
    blessed = bootedBlessed(await readSlotEntries(esp), booted);
  } else {
    const os = parseOsRelease(await host.readText("/etc/os-release").catch(() => ""));
    bootedVersion = os.VERSION_ID ?? os.VERSION ?? "";
  }
  const healthReasons = ctx.supervisor
    .list()
    .filter((s) => s.state === "failed" || s.health === "unhealthy")
    .map((s) => ({
      source: `service/${s.name}`,
      message: `${s.state}/${s.health}${s.healthMessage ? `: ${s.healthMessage}` : ""}`,
    }));
  return {
    bootId,
    bootedVersion,
    bootedSlot,
    blessed,
    healthy: healthReasons.length === 0,
    healthReasons,
    rebootRequired,
    // basaltd does not run the kubelet yet; once it does, this is its version.
    kubeletVersion: "",
    mode: ctx.config.node.mode,
  };
}
