import {
  chmodSync,
  copyFileSync,
  existsSync,
  lutimesSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { BasaltError, planModules } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";
import { neededClosure, parseNeeded } from "../elf-needs.ts";
import { renderInitScript } from "../init-script.ts";
import { walkTree } from "../tree.ts";
import { basaltdDir, basaltdNodeFlags, compileCacheEnv } from "./runtime.ts";

const libDirs = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "lib", "usr/lib"];

function findIn(tree: string, rels: readonly string[]): string | undefined {
  return rels.map((r) => join(tree, r)).find((p) => existsSync(p));
}

/** Copies dmsetup and every library it needs (from the staging tree, not the build host). */
async function addDynamicBinary(
  ctx: BuildContext,
  staging: string,
  rel: string,
  dest: string,
): Promise<number> {
  const bin = findIn(staging, [rel]);
  if (!bin) throw new BasaltError("not_found", `${rel} missing from the initramfs packages`);
  copyFileSync(bin, join(dest, "bin", basename(rel)));
  const needs = async (file: string) => parseNeeded(await ctx.exec.run("objdump", ["-p", file]));
  const libPath = (soname: string) => {
    const p = findIn(
      staging,
      libDirs.map((d) => `${d}/${soname}`),
    );
    if (!p)
      throw new BasaltError("not_found", `library ${soname} (needed by ${rel}) is in no initramfs package`);
    return p;
  };
  const libs = await neededClosure(await needs(bin), (soname) => needs(libPath(soname)));
  mkdirSync(join(dest, "lib/x86_64-linux-gnu"), { recursive: true });
  for (const soname of libs) copyFileSync(libPath(soname), join(dest, "lib/x86_64-linux-gnu", soname));
  const loader = findIn(staging, ["lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"]);
  if (!loader) throw new BasaltError("not_found", "ld-linux-x86-64.so.2 missing from the initramfs packages");
  mkdirSync(join(dest, "lib64"), { recursive: true });
  copyFileSync(loader, join(dest, "lib64/ld-linux-x86-64.so.2"));
  return libs.length;
}

/**
 * The initramfs: busybox-static, dmsetup with its libraries, the few kernel modules needed to reach
 * and verify the root (with their dependencies), and /init. Written as a sorted newc cpio with every
 * timestamp SOURCE_DATE_EPOCH, gzip without a name or time: the same bytes on every build.
 */
export const buildInitramfs: Phase = {
  name: "initramfs",
  async run(ctx) {
    const staging = need(ctx.out.initTree, "initramfs staging tree");
    const root = need(ctx.out.rootTree, "root tree");
    const release = need(ctx.out.kernelRelease, "kernel release");
    const tree = join(ctx.workDir, "initramfs");
    rmSync(tree, { recursive: true, force: true });
    for (const d of ["bin", "etc", "lib/modules", "proc", "sys", "dev", "newroot"])
      mkdirSync(join(tree, d), { recursive: true });

    const busybox = findIn(staging, ["bin/busybox", "usr/bin/busybox"]);
    if (!busybox) throw new BasaltError("not_found", "busybox missing from the initramfs packages");
    copyFileSync(busybox, join(tree, "bin/busybox"));
    const libs = await addDynamicBinary(ctx, staging, "sbin/dmsetup", tree);

    const modDir = join(root, "usr/lib/modules", release);
    const plan = planModules(
      ctx.profile.initramfs.modules,
      readFileSync(join(modDir, "modules.dep"), "utf8"),
      readFileSync(join(modDir, "modules.builtin"), "utf8"),
    );
    if (plan.missing.length > 0)
      throw new BasaltError("not_found", `kernel ${release} has no modules ${plan.missing.join(", ")}`);
    for (const f of plan.files) copyFileSync(join(modDir, f), join(tree, "lib/modules", basename(f)));
    writeFileSync(join(tree, "etc/modules"), `${plan.files.map((f) => basename(f)).join("\n")}\n`);

    writeFileSync(
      join(tree, "init"),
      renderInitScript({
        init: ["/usr/bin/node", ...basaltdNodeFlags, `/${basaltdDir}/basaltd.mjs`, "--init"],
        fatalDelaySeconds: 10,
        env: ctx.profile.basaltd.compileCache ? compileCacheEnv : {},
      }),
    );
    chmodSync(join(tree, "init"), 0o755);

    const entries = walkTree(tree);
    const t = ctx.sourceDateEpoch;
    for (const e of entries) lutimesSync(join(tree, e.path), t, t);
    lutimesSync(tree, t, t);
    const cpio = join(ctx.workDir, "initramfs.cpio");
    rmSync(cpio, { force: true });
    rmSync(`${cpio}.gz`, { force: true });
    await ctx.exec.run("cpio", ["-o", "-H", "newc", "--reproducible", "-R", "0:0", "--quiet", "-O", cpio], {
      cwd: tree,
      input: `${[".", ...entries.map((e) => e.path)].join("\n")}\n`,
    });
    await ctx.exec.run("gzip", ["-n", "-9", cpio]);
    ctx.out.initramfs = `${cpio}.gz`;
    return `${plan.files.length} modules (${plan.builtin.length} built in), busybox, dmsetup + ${libs} libraries`;
  },
};
