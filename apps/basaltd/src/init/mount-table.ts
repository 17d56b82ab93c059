/** mount(2) flags (linux/mount.h). */
export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  RELATIME: 1 << 21,
} as const;

export interface MountSpec {
  source: string;
  target: string;
  fstype: string;
  flags: number;
  data?: string;
  /** Mounted only when this path exists (efivarfs on UEFI machines). */
  onlyIf?: string;
}

const safe = MS.NOSUID | MS.NODEV | MS.NOEXEC;

/**
 * The API filesystems PID 1 mounts before anything else, in order. The initramfs moves /dev, /proc
 * and /sys over already; whatever is mounted is skipped.
 */
export const kernelMounts: readonly MountSpec[] = [
  { source: "proc", target: "/proc", fstype: "proc", flags: safe },
  { source: "sysfs", target: "/sys", fstype: "sysfs", flags: safe },
  { source: "devtmpfs", target: "/dev", fstype: "devtmpfs", flags: MS.NOSUID, data: "mode=0755" },
  {
    source: "devpts",
    target: "/dev/pts",
    fstype: "devpts",
    flags: MS.NOSUID | MS.NOEXEC,
    data: "mode=0620,ptmxmode=0666",
  },
  { source: "tmpfs", target: "/dev/shm", fstype: "tmpfs", flags: MS.NOSUID | MS.NODEV, data: "mode=1777" },
  { source: "tmpfs", target: "/run", fstype: "tmpfs", flags: MS.NOSUID | MS.NODEV, data: "mode=0755" },
  { source: "tmpfs", target: "/tmp", fstype: "tmpfs", flags: MS.NOSUID | MS.NODEV, data: "mode=1777" },
  { source: "cgroup2", target: "/sys/fs/cgroup", fstype: "cgroup2", flags: safe, data: "nsdelegate" },
  {
    source: "efivarfs",
    target: "/sys/firmware/efi/efivars",
    fstype: "efivarfs",
    flags: safe,
    onlyIf: "/sys/firmware/efi",
  },
];

/** Mount points listed in /proc/self/mountinfo (field 5). */
export function mountTargets(mountinfo: string): Set<string> {
  return new Set(
    mountinfo
      .split("\n")
      .map((l) => l.split(" ")[4])
      .filter((t): t is string => Boolean(t))
      .map((t) => t.replace(/\\040/g, " ")),
  );
}
