/** A PE section as `objdump -h` lists it. */
export interface PeSection {
  name: string;
  size: number;
  vma: number;
}

/** Parses `objdump -h` of a PE file. */
export function parseSections(objdumpH: string): PeSection[] {
  return [...objdumpH.matchAll(/^\s*\d+\s+(\.\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s/gm)].map((m) => ({
    name: m[1]!,
    size: Number.parseInt(m[2]!, 16),
    vma: Number.parseInt(m[3]!, 16),
  }));
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/**
 * Virtual addresses for the sections added to systemd's EFI stub (systemd 252 has no ukify): each
 * after the stub's own sections, page aligned, the kernel on a 2 MiB boundary so the stub can run it
 * in place.
 */
export function layoutUki(
  stub: readonly PeSection[],
  sizes: { osrel: number; cmdline: number; linux: number; initrd: number },
): Record<".osrel" | ".cmdline" | ".linux" | ".initrd", number> {
  const end = Math.max(...stub.map((s) => s.vma + s.size));
  const osrel = alignUp(end, 0x1000);
  const cmdline = alignUp(osrel + sizes.osrel, 0x1000);
  const linux = alignUp(cmdline + sizes.cmdline, 0x200000);
  const initrd = alignUp(linux + sizes.linux, 0x1000);
  return { ".osrel": osrel, ".cmdline": cmdline, ".linux": linux, ".initrd": initrd };
}

/** The UKI's os-release: systemd-boot sorts entries by IMAGE_VERSION, newest first. */
export function renderOsRelease(name: string, version: string): string {
  return [
    "ID=basalt",
    'NAME="Basalt"',
    `IMAGE_ID=${name}`,
    `IMAGE_VERSION=${version}`,
    `VERSION_ID=${version}`,
    `PRETTY_NAME="Basalt ${version}"`,
    "",
  ].join("\n");
}

/**
 * objcopy stamps a PE file with the current time (and ignores SOURCE_DATE_EPOCH for PE); this sets
 * the COFF TimeDateStamp to `epoch` and recomputes the optional header's CheckSum, in place.
 */
export function setPeTimestamp(pe: Buffer, epoch: number): void {
  const header = pe.readUInt32LE(0x3c);
  if (pe.readUInt32LE(header) !== 0x4550) throw new Error("not a PE file");
  pe.writeUInt32LE(epoch >>> 0, header + 8);
  const checksumAt = header + 24 + 64;
  pe.writeUInt32LE(0, checksumAt);
  let sum = 0;
  for (let i = 0; i + 1 < pe.length; i += 2) {
    sum += pe.readUInt16LE(i);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (pe.length % 2) {
    sum += pe[pe.length - 1]!;
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  pe.writeUInt32LE((sum + pe.length) >>> 0, checksumAt);
}
