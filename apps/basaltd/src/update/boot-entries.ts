/**
 * Boot entries on the ESP as systemd-boot sees them (Boot Loader Specification, type #2 UKIs in
 * EFI/Linux): `basalt-<version>[+<left>[-<done>]].efi`. Pure: names in, decisions out.
 */
export type Slot = "A" | "B";

export interface BootEntry {
  file: string;
  version: string;
  /** Tries left; undefined for a blessed entry (no counter). */
  left: number | undefined;
  /** Tries used so far. */
  done: number;
}

const pattern = /^basalt-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)(?:\+(\d+)(?:-(\d+))?)?\.efi$/;

export function parseEntry(file: string): BootEntry | undefined {
  const m = pattern.exec(file);
  if (!m) return undefined;
  return {
    file,
    version: m[1]!,
    left: m[2] === undefined ? undefined : Number(m[2]),
    done: Number(m[3] ?? 0),
  };
}

export const isExhausted = (e: BootEntry) => e.left === 0;
export const isBlessed = (e: BootEntry) => e.left === undefined;

/** The file name a new, untried entry gets: three tries before systemd-boot gives up on it. */
export function freshEntryName(version: string, tries = 3): string {
  return `basalt-${version}+${tries}.efi`;
}

/** The name a blessed (known good) entry has: the counter dropped. */
export function blessedName(e: BootEntry): string {
  return `basalt-${e.version}.efi`;
}

/** The name that makes systemd-boot sort an entry last without deleting it (counter exhausted). */
export function exhaustedName(e: BootEntry): string {
  return `basalt-${e.version}+0-${Math.max(e.done, 1)}.efi`;
}

/**
 * A name that never matches `*.efi`, for writing a UKI before the atomic rename: systemd-boot must
 * never see a half-written file.
 */
export function stagingName(version: string): string {
  return `.basalt-${version}.partial`;
}

/** The path systemd-boot reports in LoaderBootCountPath, back to the file name. */
export function fileFromBootCountPath(path: string): string {
  return path.replaceAll("\\", "/").split("/").at(-1) ?? "";
}
