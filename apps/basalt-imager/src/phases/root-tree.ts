import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { type BuildContext, need, type Phase } from "../build-context.ts";
import { policyViolations, walkTree } from "../tree.ts";

/** Moves /bin, /sbin, /lib, /lib64 into /usr and leaves symlinks, as a merged-/usr Debian does. */
function mergeUsr(root: string): void {
  for (const top of ["bin", "sbin", "lib", "lib64"]) {
    const src = join(root, top);
    if (!existsSync(src) || lstatSync(src).isSymbolicLink()) continue;
    mkdirSync(join(root, "usr", top), { recursive: true });
    cpSync(src, join(root, "usr", top), { recursive: true, verbatimSymlinks: true, force: false });
    rmSync(src, { recursive: true });
    symlinkSync(`usr/${top}`, src);
  }
}

/** Takes the kernel out of /boot (it goes into the UKI) and indexes the modules that stay in the root. */
async function moveKernel(ctx: BuildContext, root: string): Promise<void> {
  const release = need(ctx.out.kernelRelease, "kernel release");
  const image = join(root, "boot", `vmlinuz-${release}`);
  if (!existsSync(image))
    throw new BasaltError("not_found", `kernel image ${image} missing from the package`);
  ctx.out.kernelImage = join(ctx.workDir, "vmlinuz");
  renameSync(image, ctx.out.kernelImage);
  rmSync(join(root, "boot"), { recursive: true });
  await ctx.exec.run("depmod", ["-b", root, release]);
}

/** The small /etc a node needs: identity, users for file ownership, DNS through /run. */
function writeEtc(ctx: BuildContext, root: string): void {
  const { profile } = ctx;
  const etc = join(root, "etc");
  mkdirSync(etc, { recursive: true });
  writeFileSync(
    join(etc, "os-release"),
    [
      "ID=basalt",
      'NAME="Basalt"',
      `VERSION_ID=${profile.version}`,
      `IMAGE_ID=${profile.name}`,
      `IMAGE_VERSION=${profile.version}`,
      `PRETTY_NAME="Basalt ${profile.version}"`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(etc, "passwd"),
    "root:x:0:0:root:/var/lib/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  );
  writeFileSync(join(etc, "group"), "root:x:0:\nnogroup:x:65534:\n");
  writeFileSync(join(etc, "nsswitch.conf"), "passwd: files\ngroup: files\nhosts: files dns\n");
  writeFileSync(join(etc, "hosts"), "127.0.0.1 localhost\n::1 localhost\n");
  rmSync(join(etc, "resolv.conf"), { force: true });
  symlinkSync("../run/resolv.conf", join(etc, "resolv.conf"));
  for (const dir of ["proc", "sys", "dev", "run", "tmp", "var"])
    mkdirSync(join(root, dir), { recursive: true });
  for (const f of profile.files) {
    mkdirSync(join(root, f.path, ".."), { recursive: true });
    writeFileSync(join(root, f.path), f.content, { mode: f.mode });
  }
  for (const l of profile.links) {
    mkdirSync(join(root, l.path, ".."), { recursive: true });
    rmSync(join(root, l.path), { force: true });
    symlinkSync(l.target, join(root, l.path));
  }
}

/** merge /usr, move the kernel out, prune what a node never runs, write /etc. */
export const shapeRoot: Phase = {
  name: "shape-root",
  async run(ctx) {
    const root = need(ctx.out.rootTree, "root tree");
    mergeUsr(root);
    await moveKernel(ctx, root);
    let pruned = 0;
    for (const rel of ctx.profile.prune) {
      if (existsSync(join(root, rel))) {
        rmSync(join(root, rel), { recursive: true, force: true });
        pruned++;
      }
    }
    // Empty directories left by pruning (share/doc-base and the like) go too.
    for (const dir of ["usr/share"]) {
      const full = join(root, dir);
      if (!existsSync(full)) continue;
      for (const name of readdirSync(full)) {
        const p = join(full, name);
        if (lstatSync(p).isDirectory() && readdirSync(p).length === 0) rmSync(p, { recursive: true });
      }
    }
    writeEtc(ctx, root);
    return `${pruned} paths pruned`;
  },
};

/** Fails the build if the root holds a shell, a package manager or remote login; records its size. */
export const checkRootPolicy: Phase = {
  name: "root-policy",
  async run(ctx) {
    const root = need(ctx.out.rootTree, "root tree");
    const entries = walkTree(root);
    const bad = policyViolations(entries);
    if (bad.length > 0)
      throw new BasaltError(
        "failed_precondition",
        `the root would hold forbidden programs: ${bad.join(", ")}`,
        {
          hint: "add them to prune: in the profile",
        },
      );
    ctx.out.rootFiles = entries.length;
    ctx.out.rootTreeBytes = entries.reduce((n, e) => n + e.size, 0);
    writeFileSync(
      join(ctx.outDir, "rootfs.files"),
      `${entries.map((e) => `${e.type.padEnd(7)} ${String(e.size).padStart(10)} /${e.path}`).join("\n")}\n`,
    );
    return `${entries.length} entries, ${(ctx.out.rootTreeBytes / 1048576).toFixed(1)} MiB, no shell/package manager/sshd`;
  },
};
