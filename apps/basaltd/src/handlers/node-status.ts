import type { NodeStatusResponseSchema } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { DaemonContext } from "../daemon-context.ts";
import type { Host } from "../host.ts";
import { parseOsRelease } from "../node-info/proc-parsers.ts";
import { readSlotEntries } from "../update/slot-entries.ts";
import { bootedBlessed } from "../update/slot-status.ts";

type NodeStatusFields = MessageInitShape<typeof NodeStatusResponseSchema>;

/** Where the OS asks for a reboot (Debian's update-notifier; /var/run is a link to /run). */
export const rebootRequiredPath = "/run/reboot-required";

/**
 * Whether the OS asks for a reboot: the file exists (ENOENT, or ENOTDIR on the way, means no). Any
 * other failure — a directory in its place, EACCES, EIO — is an error that says why, never "no reboot
 * pending": the controller must not skip a node because basaltd could not look.
 */
export async function readRebootRequired(host: Pick<Host, "readText">): Promise<boolean> {
  try {
    await host.readText(rebootRequiredPath, 4096);
    return true;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return false;
    throw new BasaltError(
      "internal",
      `cannot tell whether a reboot is pending: reading ${rebootRequiredPath} failed (${typeof code === "string" ? code : (err as Error).message})`,
      {
        hint: `${rebootRequiredPath} must be absent or a readable file (Debian's update-notifier writes it)`,
      },
    );
  }
}

/**
 * NodeStatus: where the node stands, in one call — boot ID, booted version and slot, whether that
 * boot is blessed, health with its reasons (failed or unhealthy supervised services), whether the OS
 * asks for a reboot, and the kubelet's version (empty without Kubernetes, or until it is known). This is what
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
    readRebootRequired(host),
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
    bootTimeline: ctx.timeline?.steps() ?? [],
    kubeletVersion: ctx.kubelet?.version ?? "",
    mode: ctx.config.node.mode,
  };
}
