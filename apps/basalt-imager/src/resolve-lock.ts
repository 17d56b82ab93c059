import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { type DebianLock, type LockedPackage, lockInputs, parseAptSimulate } from "./debian-lock.ts";
import type { Executor } from "./exec.ts";
import { kernelFromDepends, parseAptShow } from "./phases/debian-packages.ts";
import type { Profile } from "./profile.ts";

/**
 * Resolves a profile's Debian packages with apt's own resolver into a lock (see debian-lock.ts):
 * `apt-get --simulate install` against an EMPTY dpkg status, so the closure is what an empty root
 * needs, not what this build host happens to lack; recommends and suggests off. The hashes come from
 * the same apt indexes (`apt-cache show name=version`). Needs `apt-get update` for the profile's
 * suite, no root (no lock is taken, nothing is installed).
 */
export async function resolveLock(profile: Pick<Profile, "debian">, exec: Executor): Promise<DebianLock> {
  const { debian } = profile;
  const dir = mkdtempSync(join(tmpdir(), "basalt-lock-"));
  try {
    const status = join(dir, "status");
    writeFileSync(status, "");
    const apt = [
      "-q",
      "-o",
      `Dir::State::status=${status}`,
      "-o",
      "Debug::NoLocking=1",
      "-o",
      "APT::Install-Recommends=false",
      "-o",
      "APT::Install-Suggests=false",
    ];
    const closure = async (names: readonly string[], what: string) => {
      const text = await exec
        .run("apt-get", [...apt, "--simulate", "install", ...names])
        .catch((err: unknown) => {
          throw new BasaltError(
            "not_found",
            `apt cannot resolve ${what} (${names.join(" ")}): ${(err as Error).message}`,
            {
              hint: "run apt-get update, and check the package names in the profile",
            },
          );
        });
      const pkgs = parseAptSimulate(text);
      const missing = names.filter((n) => !pkgs.some((p) => p.name === n));
      if (missing.length > 0)
        throw new BasaltError("not_found", `apt resolved ${what} without ${missing.join(", ")}`);
      return pkgs;
    };
    let kernel = debian.kernel;
    if (!/^linux-image-\d/.test(kernel)) {
      const deps = await exec.run("apt-cache", ["depends", "--no-recommends", "--no-suggests", kernel]);
      kernel = kernelFromDepends(deps) ?? "";
      if (!kernel) throw new BasaltError("not_found", `cannot resolve kernel package ${debian.kernel}`);
    }
    const root = await closure(debian.packages, "debian.packages");
    const initramfs = await closure(debian.initramfs, "debian.initramfs");
    // The kernel and the boot package are taken for their files only: no dependencies.
    const single = parseAptShow(
      await exec.run("apt-cache", ["show", "--no-all-versions", kernel, debian.boot]),
    );
    const wanted = new Map<string, { name: string; version: string; arch: string }>();
    for (const p of [...root, ...initramfs, ...single]) wanted.set(`${p.name}=${p.version}`, p);
    const shown = parseAptShow(await exec.run("apt-cache", ["show", ...[...wanted.keys()].sort()]));
    const locked = (p: { name: string; version: string }): LockedPackage => {
      const s = shown.find(
        (x) => x.name === p.name && x.version === p.version && /^[0-9a-f]{64}$/.test(x.sha256),
      );
      if (!s) throw new BasaltError("not_found", `apt shows no SHA-256 for ${p.name}=${p.version}`);
      return { name: s.name, version: s.version, arch: s.arch, sha256: s.sha256 };
    };
    const one = (name: string) => {
      const p = single.find((x) => x.name === name);
      if (!p) throw new BasaltError("not_found", `package ${name} not found`);
      return locked(p);
    };
    return {
      inputs: lockInputs(profile),
      suite: debian.suite,
      root: root.map(locked),
      initramfs: initramfs.map(locked),
      kernel: one(kernel),
      boot: one(debian.boot),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
