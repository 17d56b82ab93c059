/** What the initramfs hands over to, and how. */
export interface InitScriptOptions {
  /** The program run as PID 1 after switch_root, with its arguments. */
  init: readonly string[];
  /** Seconds to show a fatal error before rebooting (the boot counter then picks the other slot). */
  fatalDelaySeconds: number;
  /** Environment for PID 1 besides PATH and HOME (e.g. where Node finds its compile cache). */
  env?: Readonly<Record<string, string>>;
}

/**
 * The initramfs /init (busybox sh; the initramfs is gone after switch_root, so no shell remains on
 * the node). It reads the slot, the root PARTUUID and the verity parameters from the kernel command
 * line the UKI pins, opens dm-verity over that partition with dmsetup, mounts the erofs read-only and
 * switches to basaltd. Any failure is printed and the machine reboots: a root that fails
 * verification is never mounted.
 */
export function renderInitScript(o: InitScriptOptions): string {
  return `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
say() { echo "basalt-initramfs: $*"; }
fatal() { say "FATAL: $*"; say "rebooting in ${o.fatalDelaySeconds} s"; sleep ${o.fatalDelaySeconds}; reboot -f; }
STARTED=$(cut -d' ' -f1 /proc/uptime)
say "uptime $STARTED s"
for m in $(cat /etc/modules); do insmod "/lib/modules/$m" || say "insmod $m failed"; done
SLOT= ROOT= HASH= SALT= BLOCKS=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    basalt.slot=*) SLOT=\${arg#*=} ;;
    basalt.root=PARTUUID=*) ROOT=\${arg#basalt.root=PARTUUID=} ;;
    basalt.verity.hash=*) HASH=\${arg#*=} ;;
    basalt.verity.salt=*) SALT=\${arg#*=} ;;
    basalt.verity.blocks=*) BLOCKS=\${arg#*=} ;;
  esac
done
[ -n "$SLOT" ] && [ -n "$ROOT" ] && [ -n "$HASH" ] && [ -n "$SALT" ] && [ -n "$BLOCKS" ] ||
  fatal "the kernel command line lacks basalt.slot, basalt.root or basalt.verity.*"
# A partition's GPT unique GUID (entries from LBA 2, 128 bytes each; the first three fields little-endian).
partuuid() {
  n=$(cat "/sys/class/block/$1/partition")
  disk=$(basename "$(readlink -f "/sys/class/block/$1/..")")
  h=$(dd if="/dev/$disk" bs=1 skip=$((1024 + (n - 1) * 128 + 16)) count=16 2>/dev/null | hexdump -v -e '16/1 "%02x"')
  echo "\${h:6:2}\${h:4:2}\${h:2:2}\${h:0:2}-\${h:10:2}\${h:8:2}-\${h:14:2}\${h:12:2}-\${h:16:4}-\${h:20:12}"
}
DEV=
i=0
while [ -z "$DEV" ] && [ $i -lt 100 ]; do
  for p in /sys/class/block/*; do
    [ -f "$p/partition" ] || continue
    if [ "$(partuuid "\${p##*/}")" = "$ROOT" ]; then DEV="/dev/\${p##*/}"; break; fi
  done
  [ -n "$DEV" ] || { sleep 0.1; i=$((i + 1)); }
done
[ -n "$DEV" ] || fatal "no partition with PARTUUID $ROOT (slot $SLOT)"
say "slot $SLOT: root $DEV, verity root hash $HASH"
dmsetup create basalt-root --readonly --noudevsync \\
  --table "0 $((BLOCKS * 8)) verity 1 $DEV $DEV 4096 4096 $BLOCKS $((BLOCKS + 1)) sha256 $HASH $SALT" ||
  fatal "cannot set up dm-verity on $DEV"
dmsetup mknodes basalt-root
mount -t erofs -o ro /dev/mapper/basalt-root /newroot ||
  fatal "the root of slot $SLOT failed verification (dm-verity) and was not mounted"
for d in dev proc sys; do mount --move "/$d" "/newroot/$d"; done
SWITCHED=$(cut -d' ' -f1 /newroot/proc/uptime)
say "switching to basaltd at uptime $SWITCHED s"
# basaltd shows these in its boot timeline (basaltctl timeline).
exec /bin/env -i PATH=/usr/bin:/usr/sbin HOME=/ BASALT_INITRAMFS_UPTIMES=$STARTED,$SWITCHED${Object.entries(
    o.env ?? {},
  )
    .map(([k, v]) => ` ${k}=${v}`)
    .join("")} /bin/switch_root /newroot ${o.init.join(" ")}
`;
}
