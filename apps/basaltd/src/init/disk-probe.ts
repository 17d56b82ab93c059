/**
 * Pure probes of a block device's first bytes: what STATE holds, and which disk is the config
 * drive. Reading the bytes is the host's job; deciding is here, tested with tables of buffers.
 */
const EXT_MAGIC_OFFSET = 1024 + 56;
const EXT_LABEL_OFFSET = 1024 + 120;

export function isExtFilesystem(head: Buffer): boolean {
  return head.length >= EXT_MAGIC_OFFSET + 2 && head.readUInt16LE(EXT_MAGIC_OFFSET) === 0xef53;
}

/** The ext2/3/4 volume label, or "" if none (or not ext). */
export function extLabel(head: Buffer): string {
  if (!isExtFilesystem(head)) return "";
  const raw = head.subarray(EXT_LABEL_OFFSET, EXT_LABEL_OFFSET + 16);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? 16 : end).toString("latin1");
}

/**
 * What to do with STATE at boot: mount an ext4, format a blank partition (first boot), and refuse
 * anything else rather than wipe data we do not recognise.
 */
export function stateAction(head: Buffer): { action: "mount" | "format" | "refuse"; reason: string } {
  if (isExtFilesystem(head)) return { action: "mount", reason: "STATE holds an ext4 filesystem" };
  if (head.every((b) => b === 0)) return { action: "format", reason: "STATE is blank: first boot" };
  return {
    action: "refuse",
    reason: "STATE holds something that is not ext4; not formatting it (reset the node to wipe it)",
  };
}

/**
 * True if the kernel command line tries to pass a machine config (`basalt.config=`). That is refused:
 * the command line is readable by every process and copied into logs, and a machine config holds the
 * node's private key. The command line carries only non-secret boot parameters (slot, root PARTUUID,
 * verity root hash, version, console).
 */
export function cmdlineCarriesConfig(cmdline: string): boolean {
  return /(?:^|\s)basalt\.config=/.test(cmdline);
}
