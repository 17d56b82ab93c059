/**
 * The qemu command line of a Basalt VM, as data. Always TCG (`-accel tcg`: KVM with OVMF fails on
 * these machines, and the tests must not depend on it), q35, OVMF from pflash, virtio disks, the
 * serial console on stdio (the caller logs it).
 */

export const ovmfCode = "/usr/share/OVMF/OVMF_CODE.fd";
export const ovmfVars = "/usr/share/OVMF/OVMF_VARS.fd";

/** How the VM is networked: qemu's user network with one forwarded host port, or a tap in a namespace. */
export type VmNic =
  | {
      kind: "user";
      hostPort: number;
      guestPort: number;
      hostAddress?: string;
      /** Nothing but the forward: no NAT from the guest to the host's networks (qemu's restrict=on). */
      restrict?: boolean;
    }
  | { kind: "tap"; ifname: string; mac: string };

export interface QemuSpec {
  /** The boot disk and its format: the image's disk.raw, or a qcow2 overlay backed by it. */
  disk: { path: string; format: "raw" | "qcow2" };
  /** This VM's copy of OVMF_VARS (EFI variables persist across its reboots). */
  vars: string;
  /** Read-only config drive (ext4 labelled BASALT-CONFIG). */
  configDrive?: string;
  /** Other raw disks, attached BEFORE the boot disk so the guest enumerates them first (tests of boot-disk detection). */
  foreignDisks?: readonly string[];
  nic: VmNic;
  /** Guest memory in MiB; default 1536. */
  memoryMiB?: number;
  /** vCPUs; default 1. */
  cpus?: number;
  /** qemu exits instead of rebooting (to see a refused boot end). */
  noReboot?: boolean;
  /** Firmware code; default Debian's OVMF_CODE.fd. */
  firmware?: string;
}

function virtioDisk(file: string, format: string, id: string, deviceExtra = "", driveExtra = ""): string[] {
  return [
    "-drive",
    `file=${file},format=${format},if=none,id=${id}${driveExtra}`,
    "-device",
    `virtio-blk-pci,drive=${id}${deviceExtra}`,
  ];
}

export function qemuArgs(spec: QemuSpec): string[] {
  const nic =
    spec.nic.kind === "user"
      ? [
          "-nic",
          `user,model=virtio-net-pci${spec.nic.restrict ? ",restrict=on" : ""},hostfwd=tcp:${spec.nic.hostAddress ?? "127.0.0.1"}:${spec.nic.hostPort}-:${spec.nic.guestPort}`,
        ]
      : [
          "-netdev",
          `tap,id=net0,ifname=${spec.nic.ifname},script=no,downscript=no`,
          "-device",
          `virtio-net-pci,netdev=net0,mac=${spec.nic.mac}`,
        ];
  return [
    "-accel",
    "tcg",
    "-machine",
    "q35",
    "-cpu",
    "max",
    "-m",
    String(spec.memoryMiB ?? 1536),
    "-smp",
    String(spec.cpus ?? 1),
    "-nographic",
    "-drive",
    `if=pflash,format=raw,readonly=on,file=${spec.firmware ?? ovmfCode}`,
    "-drive",
    `if=pflash,format=raw,file=${spec.vars}`,
    // Every disk as an explicit device, in this order (the guest names them vda, vdb, … in it);
    // bootindex keeps the firmware booting our disk whatever is attached before it.
    ...(spec.foreignDisks ?? []).flatMap((d, i) => virtioDisk(d, "raw", `foreign${i}`)),
    ...virtioDisk(spec.disk.path, spec.disk.format, "boot", ",bootindex=0"),
    ...(spec.configDrive ? virtioDisk(spec.configDrive, "raw", "config", "", ",readonly=on") : []),
    ...nic,
    ...(spec.noReboot ? ["-no-reboot"] : []),
  ];
}
