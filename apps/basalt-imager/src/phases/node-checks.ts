import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { BasaltError, planModules } from "@basalt/machinery";
import { need, type Phase } from "../build-context.ts";
import { parseNeeded, unresolvedNeeds } from "../elf-needs.ts";
import { walkTree } from "../tree.ts";

/** Where the dynamic loader looks in a Basalt root (merged /usr, Debian multiarch). */
export const rootLibDirs = ["usr/lib/x86_64-linux-gnu", "usr/lib", "usr/lib64"];

/**
 * Checks that the kernel has every module of `kernelModules.load` (as a module or built in) and
 * writes their names to the list file for basaltd. The modules themselves are already in the root:
 * the kernel package's /usr/lib/modules/<release> with the modules.dep that depmod wrote.
 */
export const checkKernelModules: Phase = {
  name: "kernel-modules",
  async run(ctx) {
    const { load, listFile } = ctx.profile.kernelModules;
    if (load.length === 0) return "none requested";
    const root = need(ctx.out.rootTree, "root tree");
    const release = need(ctx.out.kernelRelease, "kernel release");
    const modDir = join(root, "usr/lib/modules", release);
    const plan = planModules(
      load,
      readFileSync(join(modDir, "modules.dep"), "utf8"),
      readFileSync(join(modDir, "modules.builtin"), "utf8"),
    );
    if (plan.missing.length > 0)
      throw new BasaltError("not_found", `kernel ${release} has no modules ${plan.missing.join(", ")}`, {
        hint: "remove them from kernelModules.load in the profile, or use a kernel that has them",
      });
    const list = join(root, listFile);
    mkdirSync(dirname(list), { recursive: true });
    writeFileSync(
      list,
      `# Loaded by basaltd at boot (with their dependencies, from modules.dep).\n${load.join("\n")}\n`,
    );
    ctx.out.kernelModules = { load: [...load], builtin: plan.builtin, files: plan.files.length };
    return `${load.length} modules (${plan.builtin.length} built in), ${plan.files.length} .ko files with dependencies, listed in /${listFile}`;
  },
};

function isElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

/**
 * Every dynamically linked program and library in the root finds its libraries in the root: a
 * missing Debian package fails the build, not the node at run time. Kernel modules are not checked.
 */
export const checkElfNeeds: Phase = {
  name: "elf-needs",
  async run(ctx) {
    const root = need(ctx.out.rootTree, "root tree");
    const available = new Set<string>();
    for (const d of rootLibDirs)
      if (existsSync(join(root, d))) for (const name of readdirSync(join(root, d))) available.add(name);
    const needs = new Map<string, string[]>();
    for (const e of walkTree(root)) {
      if (e.type !== "file" || e.path.startsWith("usr/lib/modules/") || e.size < 64) continue;
      const full = join(root, e.path);
      if (!isElf(full)) continue;
      needs.set(e.path, parseNeeded(await ctx.exec.run("objdump", ["-p", full])));
    }
    const bad = unresolvedNeeds(needs, available);
    if (bad.length > 0)
      throw new BasaltError("failed_precondition", `libraries missing from the root: ${bad.join("; ")}`, {
        hint: "add the Debian packages that provide them to debian.packages in the profile",
      });
    const dynamic = [...needs.values()].filter((n) => n.length > 0).length;
    return `${needs.size} ELF files (${dynamic} dynamic), every library found`;
  },
};
