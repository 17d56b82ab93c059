import { constants } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import { BasaltError } from "@basalt/machinery";
import type { DirEntry, OpenedPath } from "../../host.ts";

const chunkBytes = 64 * 1024;

/**
 * Opens a path for the file API so that it can be judged after opening: O_NONBLOCK (a FIFO opens
 * at once and /proc/kmsg answers EAGAIN instead of parking a thread-pool thread forever),
 * O_NOFOLLOW (a symlink swapped in after the caller resolved the path fails instead of being
 * followed), then fstat and the path of the descriptor itself from /proc/self/fd.
 */
export async function openPath(path: string, want: "file" | "dir"): Promise<OpenedPath> {
  const flags =
    constants.O_RDONLY |
    constants.O_NONBLOCK |
    constants.O_NOFOLLOW |
    (want === "dir" ? constants.O_DIRECTORY : 0);
  const handle = await open(path, flags);
  try {
    const st = await handle.stat();
    const actualPath = await readlink(`/proc/self/fd/${handle.fd}`);
    const type = st.isFile() ? "file" : st.isDirectory() ? "dir" : "other";
    const fdPath = `/proc/self/fd/${handle.fd}`;
    return {
      actualPath,
      type,
      size: st.size,
      async *chunks(maxBytes) {
        let total = 0;
        for (;;) {
          const buffer = Buffer.allocUnsafe(chunkBytes);
          let bytesRead: number;
          try {
            ({ bytesRead } = await handle.read(buffer, 0, chunkBytes, null));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === "EAGAIN")
              throw new BasaltError(
                "failed_precondition",
                `${path} would block: it is not plain file content`,
              );
            throw err;
          }
          if (bytesRead === 0) return;
          total += bytesRead;
          if (total > maxBytes) {
            throw new BasaltError(
              "resource_exhausted",
              `${path} is larger than ${maxBytes} bytes, the most one Read returns`,
            );
          }
          yield buffer.subarray(0, bytesRead);
        }
      },
      async entries(maxEntries) {
        const names = await readdir(fdPath);
        if (names.length > maxEntries) {
          throw new BasaltError(
            "resource_exhausted",
            `${path} holds ${names.length} entries, more than the ${maxEntries} one List returns`,
          );
        }
        names.sort();
        const out: DirEntry[] = [];
        for (const name of names) {
          const full = `${fdPath}/${name}`;
          const s = await lstat(full).catch(() => undefined);
          if (!s) continue;
          const kind = s.isSymbolicLink()
            ? "symlink"
            : s.isDirectory()
              ? "dir"
              : s.isFile()
                ? "file"
                : "other";
          const linkTarget = kind === "symlink" ? await readlink(full).catch(() => "") : "";
          out.push({ name, type: kind, size: s.size, mode: s.mode, modified: s.mtime, linkTarget });
        }
        return out;
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
