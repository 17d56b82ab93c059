import assert from "node:assert/strict";
import { test } from "node:test";
import { planModules } from "./module-plan.ts";

const dep = `kernel/drivers/md/dm-verity.ko: kernel/drivers/md/dm-bufio.ko kernel/lib/reed_solomon/reed_solomon.ko kernel/drivers/md/dm-mod.ko
kernel/drivers/md/dm-bufio.ko: kernel/drivers/md/dm-mod.ko
kernel/drivers/md/dm-mod.ko:
kernel/lib/reed_solomon/reed_solomon.ko:
kernel/fs/erofs/erofs.ko: kernel/lib/libcrc32c.ko
kernel/lib/libcrc32c.ko:
`;

test("dependencies load before the module, each once", () => {
  const plan = planModules(["dm_verity", "dm-mod", "erofs"], dep, "kernel/fs/efivarfs/efivarfs.ko\n");
  assert.deepEqual(plan.files, [
    "kernel/drivers/md/dm-mod.ko",
    "kernel/drivers/md/dm-bufio.ko",
    "kernel/lib/reed_solomon/reed_solomon.ko",
    "kernel/drivers/md/dm-verity.ko",
    "kernel/lib/libcrc32c.ko",
    "kernel/fs/erofs/erofs.ko",
  ]);
});

test("built-in and unknown modules are reported, not loaded", () => {
  const plan = planModules(["efivarfs", "nosuch"], dep, "kernel/fs/efivarfs/efivarfs.ko\n");
  assert.deepEqual(plan, { files: [], builtin: ["efivarfs"], missing: ["nosuch"] });
});
