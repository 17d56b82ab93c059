import { closeSync, openSync } from "node:fs";
import { access, chmod, lstat, mkdir, readdir, readFile, rename, symlink, writeFile } from "node:fs/promises";
import { release } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BasaltError, planModules } from "@basalt/machinery";
import { loadedModules, parseModulesLoad, sysctlPath } from "../../kubernetes/kernel-prerequisites.ts";
import type { KubeNodeHost, ModuleLoadReport } from "../../kubernetes/kube-node-ports.ts";
import { syscalls } from "./syscalls.ts";

const readOr = (path: string, fallback: string) => readFile(path, "utf8").catch(() => fallback);

/** Modules, sysctls, cgroups and files for the Kubernetes phases, on the running kernel. */
export function linuxKubeNodeHost(moduleLists: string, cgroupRoot = "/sys/fs/cgroup"): KubeNodeHost {
  return {
    async listedModules() {
      const files = (await readdir(moduleLists).catch(() => [] as string[]))
        .filter((f) => f.endsWith(".conf"))
        .sort();
      const names: string[] = [];
      for (const f of files) names.push(...parseModulesLoad(await readOr(join(moduleLists, f), "")));
      return names;
    },
    async loadModules(names) {
      const dir = join("/lib/modules", release());
      const dep = await readOr(join(dir, "modules.dep"), "");
      const report: ModuleLoadReport = { loaded: [], present: [], missing: [], failed: [] };
      if (!dep) {
        report.failed.push(
          `${dir}/modules.dep: not found (the image has no modules for kernel ${release()})`,
        );
        return report;
      }
      const loaded = loadedModules(await readOr("/proc/modules", ""));
      const plan = planModules(names, dep, await readOr(join(dir, "modules.builtin"), ""), loaded);
      report.present = names.filter((n) => loaded.has(n.replace(/-/g, "_")) || plan.builtin.includes(n));
      report.missing = plan.missing;
      const sys = await syscalls();
      for (const file of plan.files) {
        let fd: number | undefined;
        try {
          fd = openSync(join(dir, file), "r");
          if (sys.finitModule(fd, /\.ko\.(xz|zst|gz)$/.test(file))) report.loaded.push(file);
        } catch (err) {
          report.failed.push(`${file}: ${(err as Error).message}`);
        } finally {
          if (fd !== undefined) closeSync(fd);
        }
      }
      return report;
    },
    async setSysctl(name, value) {
      try {
        await writeFile(sysctlPath(name), value);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new BasaltError(
          code === "ENOENT" ? "not_found" : "internal",
          code === "ENOENT" ? "the kernel has no such setting (module not loaded?)" : (err as Error).message,
        );
      }
    },
    async cgroupControllers() {
      const text = await readFile(join(cgroupRoot, "cgroup.controllers"), "utf8").catch(() => undefined);
      if (text === undefined)
        throw new BasaltError(
          "failed_precondition",
          `${cgroupRoot} is not a cgroup v2 hierarchy (no cgroup.controllers)`,
        );
      return text.trim().split(/\s+/).filter(Boolean);
    },
    async enableCgroupControllers(names) {
      // One write per controller: a controller the kernel refuses names itself in the error.
      for (const name of names) {
        try {
          await writeFile(join(cgroupRoot, "cgroup.subtree_control"), `+${name}`);
        } catch (err) {
          throw new BasaltError(
            "internal",
            `cannot enable the ${name} cgroup controller: ${(err as Error).message}`,
          );
        }
      }
    },
    async writeFile(path, text, mode) {
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      const tmp = `${path}.tmp`;
      await writeFile(tmp, text, { mode });
      await chmod(tmp, mode);
      await rename(tmp, path);
    },
    async mkdirp(path) {
      await mkdir(path, { recursive: true, mode: 0o755 });
    },
    async exists(path) {
      return access(path).then(
        () => true,
        () => false,
      );
    },
    async ensureSymlink(target, path) {
      const there = await lstat(path).then(
        () => true,
        () => false,
      );
      if (!there) await symlink(target, path);
    },
    sleep: (ms) => sleep(ms),
  };
}
