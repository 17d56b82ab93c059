import { BasaltError } from "./errors.ts";

/** A release version: MAJOR.MINOR.PATCH with an optional -prerelease (which sorts before the release). */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: string;
}

export function parseVersion(text: string): Version {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(text.trim());
  if (!m) throw new BasaltError("invalid_argument", `"${text}" is not a version like 1.2.3`);
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? "" };
}

/** Negative if a < b, 0 if equal, positive if a > b. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  const d = x.major - y.major || x.minor - y.minor || x.patch - y.patch;
  if (d !== 0) return d;
  if (x.pre === y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return x.pre < y.pre ? -1 : 1;
}
