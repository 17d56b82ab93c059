import { BasaltError, type MachineConfig, parseMachineConfig } from "@basalt/machinery";
import { bootPartition, findBootDisk } from "./boot-disk.ts";
import { cmdlineCarriesConfig, extLabel, stateAction } from "./disk-probe.ts";
import type { InitHost } from "./init-host.ts";
import { kernelMounts, MS } from "./mount-table.ts";

/** Where init mode keeps the machine config on STATE, once it has one. */
export const persistedConfigPath = "/var/lib/basalt/machine-config.yaml";
export const configDriveLabel = "BASALT-CONFIG";

/** What the boot phases learn, passed from one to the next. */
export interface BootState {
  config?: MachineConfig;
  /** Where the config came from, for the console and the event log. */
  configSource?: string;
}

/** One named step of booting a Basalt node; returns a short summary for the console. */
export interface BootPhase {
  name: string;
  run(host: InitHost, state: BootState): Promise<string>;
}

const mountKernelFilesystems: BootPhase = {
  name: "mounts",
  async run(host) {
    const done: string[] = [];
    for (const m of kernelMounts) {
      if (m.onlyIf && !host.exists(m.onlyIf)) continue;
      if (host.mountedTargets().has(m.target)) continue;
      host.mkdirp(m.target);
      await host.mount(m.source, m.target, m.fstype, m.flags, m.data);
      done.push(m.target);
    }
    return done.length > 0 ? `mounted ${done.join(" ")}` : "all mounted";
  },
};

const mountState: BootPhase = {
  name: "state",
  async run(host) {
    if (host.mountedTargets().has("/var")) return "/var already mounted";
    const { partitions } = findBootDisk(host.blockDevices(), host.readText("/proc/cmdline") ?? "");
    const dev = { name: bootPartition(partitions, "STATE").slice("/dev/".length) };
    const decision = stateAction(host.readHead(dev.name, 64 * 1024));
    if (decision.action === "refuse") throw new BasaltError("failed_precondition", decision.reason);
    if (decision.action === "format") {
      host.console(`basaltd: formatting /dev/${dev.name} (${decision.reason})`);
      await host.run("/usr/sbin/mkfs.ext4", ["-q", "-F", "-L", "STATE", `/dev/${dev.name}`]);
    }
    await host.mount(`/dev/${dev.name}`, "/var", "ext4", MS.NOSUID | MS.NODEV | MS.RELATIME);
    for (const d of ["/var/lib/basalt", "/var/log/basalt", "/var/lib/root"]) host.mkdirp(d, 0o700);
    return `/dev/${dev.name} on /var${decision.action === "format" ? " (formatted)" : ""}`;
  },
};

async function fromConfigDrive(host: InitHost): Promise<string | undefined> {
  for (const d of host.blockDevices()) {
    let head: Buffer;
    try {
      head = host.readHead(d.name, 4096);
    } catch {
      continue;
    }
    if (extLabel(head) !== configDriveLabel) continue;
    const mnt = "/run/basalt/config-drive";
    host.mkdirp(mnt, 0o700);
    await host.mount(`/dev/${d.name}`, mnt, "ext4", MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
    try {
      const text = host.readText(`${mnt}/config.yaml`);
      if (text !== undefined) return text;
    } finally {
      await host.umount(mnt);
    }
  }
  return undefined;
}

/**
 * The machine config, first from STATE (kept from an earlier boot or applied through the API), else
 * from a config drive; a new one is persisted to STATE. Never from the kernel command line, which
 * every process can read.
 */
export const findMachineConfig: BootPhase = {
  name: "config",
  async run(host, state) {
    let text = host.readText(persistedConfigPath);
    let source = "STATE";
    if (text === undefined) {
      text = await fromConfigDrive(host);
      source = `config drive ${configDriveLabel}`;
    }
    if (text === undefined) {
      return cmdlineCarriesConfig(host.readText("/proc/cmdline") ?? "")
        ? "none found; basalt.config= on the kernel command line is ignored: the command line is readable by every process and a machine config holds the node's private key (use a config drive)"
        : "none found";
    }
    state.config = parseMachineConfig(text);
    state.configSource = source;
    if (source !== "STATE") host.writePrivate(persistedConfigPath, text);
    return `from ${source}${source === "STATE" ? "" : ", kept on STATE"}`;
  },
};

const setHostname: BootPhase = {
  name: "hostname",
  async run(host, state) {
    const config = state.config!;
    const name = config.network?.hostname ?? config.node.name;
    await host.sethostname(name);
    const ns = config.network?.nameservers ?? [];
    host.writeText("/run/resolv.conf", ns.map((n) => `nameserver ${n}\n`).join(""));
    return name;
  },
};

const configureNetwork: BootPhase = {
  name: "network",
  async run(host, state) {
    await host.configureInterface({ name: "lo", addresses: [], routes: [] });
    const ifaces = state.config!.network?.interfaces ?? [];
    for (const iface of ifaces) await host.configureInterface(iface);
    const addrs = ifaces.flatMap((i) => i.addresses.map((a) => `${i.name} ${a}`));
    return addrs.length > 0 ? addrs.join(", ") : "lo only (no interfaces in the machine config)";
  },
};

/** Where the ESP is mounted: the update engine writes UKIs into EFI/Linux there. */
export const espMountPoint = "/run/basalt/esp";

const mountEsp: BootPhase = {
  name: "esp",
  async run(host) {
    if (host.mountedTargets().has(espMountPoint)) return `${espMountPoint} already mounted`;
    const { partitions } = findBootDisk(host.blockDevices(), host.readText("/proc/cmdline") ?? "");
    const dev = partitions.ESP ? { name: partitions.ESP } : undefined;
    if (!dev) return "the boot disk has no ESP with Basalt's GUID: updates are unavailable";
    host.mkdirp(espMountPoint, 0o700);
    await host.mount(
      `/dev/${dev.name}`,
      espMountPoint,
      "vfat",
      MS.NOSUID | MS.NODEV | MS.NOEXEC,
      "umask=0077",
    );
    return `/dev/${dev.name} on ${espMountPoint}`;
  },
};

/** Before a machine config exists; then `findMachineConfig` runs until it finds one. */
export const earlyPhases: readonly BootPhase[] = [mountKernelFilesystems, mountState, mountEsp];
/** Once the machine config is known. */
export const configuredPhases: readonly BootPhase[] = [setHostname, configureNetwork];
