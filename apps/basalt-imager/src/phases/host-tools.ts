import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import type { Phase } from "../build-context.ts";

/** Each host program the build runs and the Debian package that provides it. */
export const hostTools: Readonly<Record<string, string>> = {
  "apt-get": "apt",
  "apt-cache": "apt",
  "dpkg-deb": "dpkg",
  tar: "tar",
  gzip: "gzip",
  depmod: "kmod",
  "mkfs.erofs": "erofs-utils",
  veritysetup: "cryptsetup-bin",
  cpio: "cpio",
  objcopy: "binutils",
  objdump: "binutils",
  sgdisk: "gdisk",
  "mkfs.vfat": "dosfstools",
  mmd: "mtools",
  mcopy: "mtools",
  unshare: "util-linux",
  chroot: "coreutils",
  npm: "npm (or the repository's node_modules/.bin)",
};

/** The tools not found on PATH, each with the package to install (pure: `exists` is injected). */
export function missingTools(exists: (tool: string) => boolean): { tool: string; pkg: string }[] {
  return Object.entries(hostTools)
    .filter(([tool]) => !exists(tool))
    .map(([tool, pkg]) => ({ tool, pkg }));
}

function onPath(tool: string): boolean {
  const dirs = (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"]);
  return dirs.some((d) => {
    try {
      accessSync(join(d, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export const checkHostTools: Phase = {
  name: "host-tools",
  async run() {
    const missing = missingTools(onPath);
    if (missing.length > 0) {
      const pkgs = [...new Set(missing.map((m) => m.pkg))];
      throw new BasaltError(
        "failed_precondition",
        `missing host tools: ${missing.map((m) => `${m.tool} (Debian package ${m.pkg})`).join(", ")}`,
        { hint: `apt-get install ${pkgs.join(" ")}, or run tools/image/install-host-packages.sh` },
      );
    }
    return `${Object.keys(hostTools).length} tools present`;
  },
};
