import type { InterfaceConfig } from "@basalt/machinery";

/** A block device as /sys/class/block shows it. */
export interface BlockDevice {
  /** Kernel name, e.g. vda4. */
  name: string;
  /** GPT partition name (PARTNAME in uevent), "" for whole disks and unnamed partitions. */
  partName: string;
  /** The whole disk a partition is on (e.g. vda); "" for whole disks. */
  disk: string;
  /** GPT unique partition GUID and type GUID, lower case; "" where the disk has no GPT. */
  partUuid: string;
  partType: string;
}

/**
 * What init mode asks of the machine while it boots, behind one interface: the boot phases are
 * tested against a fake, and only adapters/linux implements it with real mounts and syscalls.
 */
export interface InitHost {
  /** One status line on the console (the serial console on a VM). */
  console(line: string): void;
  /** Mount points currently mounted (empty before /proc is). */
  mountedTargets(): Set<string>;
  mount(source: string, target: string, fstype: string, flags: number, data?: string): Promise<void>;
  umount(target: string): Promise<void>;
  mkdirp(path: string, mode?: number): void;
  exists(path: string): boolean;
  blockDevices(): BlockDevice[];
  /** The first `bytes` bytes of /dev/<name>. */
  readHead(name: string, bytes: number): Buffer;
  readText(path: string): string | undefined;
  /** Writes a file readable by root only (the machine config holds the node's private key). */
  writePrivate(path: string, text: string): void;
  writeText(path: string, text: string): void;
  /** Runs a program from the root image (no shell) to completion. */
  run(program: string, args: readonly string[]): Promise<void>;
  sethostname(name: string): Promise<void>;
  configureInterface(iface: InterfaceConfig): Promise<void>;
  sleep(ms: number): Promise<void>;
}
