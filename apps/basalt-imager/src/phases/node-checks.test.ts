import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { BuildContext } from "../build-context.ts";
import { hostExecutor } from "../exec.ts";
import { checkElfNeeds, checkKernelModules } from "./node-checks.ts";

function context(root: string, profile: Partial<BuildContext["profile"]> = {}): BuildContext {
  return {
    profile: profile as BuildContext["profile"],
    repoRoot: root,
    outDir: root,
    workDir: root,
    cacheDir: root,
    sourceDateEpoch: 0,
    exec: hostExecutor({ PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" }),
    log: () => {},
    out: { debs: new Map(), versions: {}, artifacts: {}, rootTree: root, kernelRelease: "6.1.0-test" },
  };
}

test("elf-needs fails naming the program and the library the root lacks, and passes once it is there", async () => {
  const root = mkdtempSync(join(tmpdir(), "elf-needs-"));
  try {
    mkdirSync(join(root, "usr/bin"), { recursive: true });
    // A real dynamically linked program from the host: it needs libc.so.6.
    copyFileSync("/usr/bin/true", join(root, "usr/bin/true"));
    writeFileSync(
      join(root, "usr/bin/script"),
      "not an ELF file, just text that is long enough to be read\n",
    );
    await assert.rejects(checkElfNeeds.run(context(root)), /\/usr\/bin\/true needs libc\.so\.6/);
    mkdirSync(join(root, "usr/lib/x86_64-linux-gnu"), { recursive: true });
    copyFileSync("/lib/x86_64-linux-gnu/libc.so.6", join(root, "usr/lib/x86_64-linux-gnu/libc.so.6"));
    mkdirSync(join(root, "usr/lib64"), { recursive: true });
    copyFileSync("/lib64/ld-linux-x86-64.so.2", join(root, "usr/lib64/ld-linux-x86-64.so.2"));
    assert.match((await checkElfNeeds.run(context(root))) ?? "", /every library found/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("kernel-modules fails on a module the kernel lacks, and writes the list of the ones it has", async () => {
  const root = mkdtempSync(join(tmpdir(), "kmods-"));
  try {
    const modDir = join(root, "usr/lib/modules/6.1.0-test");
    mkdirSync(modDir, { recursive: true });
    writeFileSync(
      join(modDir, "modules.dep"),
      "kernel/net/bridge/br_netfilter.ko: kernel/net/bridge/bridge.ko kernel/net/802/stp.ko\nkernel/net/bridge/bridge.ko: kernel/net/802/stp.ko\nkernel/net/802/stp.ko:\n",
    );
    writeFileSync(join(modDir, "modules.builtin"), "kernel/fs/overlayfs/overlay.ko\n");
    const listFile = "usr/lib/modules-load.d/k.conf";
    await assert.rejects(
      checkKernelModules.run(context(root, { kernelModules: { load: ["br_netfilter", "veth"], listFile } })),
      /has no modules veth/,
    );
    const ctx = context(root, { kernelModules: { load: ["br_netfilter", "overlay"], listFile } });
    assert.match((await checkKernelModules.run(ctx)) ?? "", /2 modules \(1 built in\), 3 \.ko files/);
    assert.match(readFileSync(join(root, listFile), "utf8"), /^br_netfilter\noverlay\n$/m);
    assert.deepEqual(ctx.out.kernelModules, {
      load: ["br_netfilter", "overlay"],
      builtin: ["overlay"],
      files: 3,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
