import { open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Esp } from "../../update/update-ports.ts";

/** The ESP's EFI/Linux directory on a mounted vfat filesystem (or any directory, in tests). */
export function espDirectory(dir: string): Esp {
  const syncDir = async () => {
    const h = await open(dir, "r");
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  };
  return {
    list: () => readdir(dir),
    async readHead(file, bytes) {
      const h = await open(join(dir, file), "r");
      try {
        const buffer = Buffer.alloc(bytes);
        const { bytesRead } = await h.read(buffer, 0, bytes, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await h.close();
      }
    },
    async remove(file) {
      await rm(join(dir, file), { force: true });
      await syncDir();
    },
    async write(file, data) {
      const h = await open(join(dir, file), "w");
      try {
        await h.writeFile(data);
        await h.sync();
      } finally {
        await h.close();
      }
    },
    async rename(from, to) {
      await rename(join(dir, from), join(dir, to));
      await syncDir();
    },
  };
}
