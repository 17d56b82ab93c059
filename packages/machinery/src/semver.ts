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
  return comparePrerelease(x.pre, y.pre);
}

/**
 * Semver §11: dot-separated identifiers compared left to right, numeric ones as numbers (so rc.10
 * comes after rc.9), numeric before alphanumeric, and a shorter list first when all else is equal.
 */
function comparePrerelease(a: string, b: string): number {
  const xs = a.split(".");
  const ys = b.split(".");
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
      return x < y ? -1 : 1; // "01" and "1": not semver, but still a consistent order
    }
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return xs.length - ys.length;
}
