/**
 * The Debian yardstick: a general-purpose Debian 12 (debootstrap's standard variant: systemd, udev,
 * ifupdown, cron, rsyslog…, plus openssh-server and the same cloud kernel Basalt boots) on a GPT disk
 * that OVMF boots like Basalt's (systemd-boot from Debian's systemd-boot-efi, `timeout 0`, kernel and
 * initramfs-tools' initrd on the ESP, ext4 root), with systemd-networkd taking DHCP so sshd answers
 * on a forwarded port. Built once from Debian's packages (the host's configured mirror) and cached
 * under ~/.cache/basalt/yardstick/<key>, the key a hash of everything below that shapes the disk.
 * Needs root, debootstrap, sgdisk, mkfs.vfat, mtools and mkfs.ext4.
 */

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** What the yardstick is made of; every field is part of the cache key. */
export const yardstick = {
  recipe: 1, // bump when the steps below change
  suite: "bookworm",
  variant: "standard",
  include: ["openssh-server", "linux-image-cloud-amd64", "initramfs-tools", "systemd-boot-efi"],
  cmdline: "root=/dev/vda2 rw console=ttyS0 panic=10 loglevel=4",
  espMiB: 128,
  diskMiB: 3072,
  files: {
    "etc/hostname": "debian-yardstick\n",
    "etc/fstab": "/dev/vda2 / ext4 rw,errors=remount-ro 0 1\n",
    "etc/systemd/network/50-dhcp.network": "[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n",
  } as Record<string, string>,
} as const;

/** The Debian mirror apt uses on this host (the yardstick comes from the same place as the image's packages). */
export function hostDebianMirror(): string {
  const candidates = ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"];
  for (const f of candidates) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, "utf8");
    const uri =
      /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text)?.[1] ??
      /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new Error(
    "no Debian mirror found in the host's apt sources (looked in /etc/apt/sources.list{,.d/debian.sources})",
  );
}

/** The cache key: a hash of the recipe above. */
export function yardstickKey(): string {
  return createHash("sha256").update(JSON.stringify(yardstick)).digest("hex").slice(0, 16);
}

export const yardstickRoot = join(homedir(), ".cache/basalt/yardstick");

const run = (cmd: string, args: string[], env: Record<string, string> = {}) =>
  execFileSync(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });

/** Writes `src` into `disk` at byte `offset` without truncating it, keeping holes. */
function writeAt(disk: string, src: string, offset: number): void {
  run("dd", [
    `if=${src}`,
    `of=${disk}`,
    "bs=1M",
    `seek=${offset}`,
    "oflag=seek_bytes",
    "conv=notrunc,sparse",
    "status=none",
  ]);
}

/**
 * The yardstick's disk.raw, built if the cache has none for this recipe. `log` gets progress lines.
 * Returns the directory holding disk.raw.
 */
export function debianYardstick(log: (line: string) => void = () => {}): string {
  const key = yardstickKey();
  const dir = join(yardstickRoot, key);
  if (existsSync(join(dir, "disk.raw")) && existsSync(join(dir, "done"))) return dir;
  const work = join(yardstickRoot, `build-${key}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const tree = join(work, "root");
    const debs = join(yardstickRoot, "debs");
    mkdirSync(debs, { recursive: true });
    const t = performance.now();
    log(
      `debootstrap ${yardstick.suite} (${yardstick.variant} + ${yardstick.include.join(", ")}) into ${tree}`,
    );
    run("debootstrap", [
      `--include=${yardstick.include.join(",")}`,
      `--cache-dir=${debs}`,
      yardstick.suite,
      tree,
      hostDebianMirror(),
    ]);
    log(`debootstrap done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    for (const [path, text] of Object.entries(yardstick.files)) {
      mkdirSync(join(tree, path, ".."), { recursive: true });
      writeFileSync(join(tree, path), text);
    }
    run("chroot", [tree, "systemctl", "enable", "systemd-networkd.service", "ssh.service"]);
    // An empty machine-id makes the first boot a first boot (systemd's ConditionFirstBoot), as an image should ship.
    writeFileSync(join(tree, "etc/machine-id"), "");
    rmSync(join(tree, "var/lib/dbus/machine-id"), { force: true });
    rmSync(join(tree, "var/cache/apt/archives"), { recursive: true, force: true });
    mkdirSync(join(tree, "var/cache/apt/archives/partial"), { recursive: true });

    const boot = readdirSync(join(tree, "boot"));
    const vmlinuz = boot.find((f) => f.startsWith("vmlinuz-"));
    const initrd = boot.find((f) => f.startsWith("initrd.img-"));
    if (!vmlinuz || !initrd) throw new Error(`no kernel or initrd in ${tree}/boot: ${boot.join(" ")}`);

    // ESP: systemd-boot as the default loader, timeout 0, one Type #1 entry.
    const esp = join(work, "esp.img");
    writeFileSync(esp, "");
    truncateSync(esp, yardstick.espMiB * 1048576);
    run("mkfs.vfat", ["-F", "32", "-n", "ESP", esp]);
    const m = { MTOOLS_SKIP_CHECK: "1" };
    run("mmd", ["-i", esp, "::/EFI", "::/EFI/BOOT", "::/loader", "::/loader/entries"], m);
    writeFileSync(join(work, "loader.conf"), "timeout 0\neditor no\nauto-entries no\nauto-firmware no\n");
    writeFileSync(
      join(work, "debian.conf"),
      `title Debian 12\nlinux /vmlinuz\ninitrd /initrd.img\noptions ${yardstick.cmdline}\n`,
    );
    const copies: [string, string][] = [
      [join(tree, "usr/lib/systemd/boot/efi/systemd-bootx64.efi"), "::/EFI/BOOT/BOOTX64.EFI"],
      [join(work, "loader.conf"), "::/loader/loader.conf"],
      [join(work, "debian.conf"), "::/loader/entries/debian.conf"],
      [join(tree, "boot", vmlinuz), "::/vmlinuz"],
      [join(tree, "boot", initrd), "::/initrd.img"],
    ];
    for (const [src, dst] of copies) run("mcopy", ["-i", esp, src, dst], m);

    // GPT: ESP at 1 MiB, root to the end (33 sectors of backup GPT after it).
    const sectors = (yardstick.diskMiB * 1048576) / 512;
    const espFirst = 2048;
    const rootFirst = espFirst + (yardstick.espMiB * 1048576) / 512;
    const rootSectors = Math.floor((sectors - 34 - rootFirst) / 8) * 8;
    const rootImg = join(work, "root.img");
    log("mkfs.ext4 of the root tree");
    run("mkfs.ext4", ["-q", "-F", "-L", "root", "-d", tree, rootImg, `${(rootSectors * 512) / 1024}k`]);
    const disk = join(work, "disk.raw");
    const fd = openSync(disk, "w");
    closeSync(fd);
    truncateSync(disk, yardstick.diskMiB * 1048576);
    run("sgdisk", [
      `-n1:${espFirst}:${rootFirst - 1}`,
      "-t1:ef00",
      `-n2:${rootFirst}:${rootFirst + rootSectors - 1}`,
      "-t2:8304",
      disk,
    ]);
    writeAt(disk, esp, espFirst * 512);
    writeAt(disk, rootImg, rootFirst * 512);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    renameSync(disk, join(dir, "disk.raw"));
    writeFileSync(join(dir, "recipe.json"), `${JSON.stringify(yardstick, null, 2)}\n`);
    writeFileSync(join(dir, "done"), "");
    log(`yardstick cached in ${dir}`);
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) console.log(debianYardstick((l) => console.error(`yardstick: ${l}`)));
