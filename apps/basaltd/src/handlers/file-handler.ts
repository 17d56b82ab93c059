import type { FileService } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";
import { checkOpenedPath, checkRequestedPath } from "../files/allow-list.ts";
import type { OpenedPath } from "../host.ts";

const maxReadBytes = 64 * 1024 * 1024;
const maxListEntries = 100_000;

/**
 * What a caller hears when a path inside the allowed roots cannot be served, whatever the cause:
 * missing, resolving outside the roots or onto a denied file, or unreadable. One answer for all, and
 * never the resolved path, so the API cannot be used to probe for host files (/proc/<pid>/root, ...).
 */
function notReadable(requested: string): BasaltError {
  return new BasaltError("not_found", `"${requested}" does not exist or is not readable`, {
    hint: "see `basaltctl ls` of its directory; some files (secrets, kernel memory) are never served",
  });
}

/**
 * Read and List, confined to the machine config's allow-list. The requested path is checked first
 * (lexically, without touching the disk), then resolved and opened without blocking, and the open
 * descriptor is judged: by the path the kernel reports for it and by its type (regular files for
 * Read, directories for List), so a symlink swapped in between cannot lead anywhere else.
 */
export function fileService(ctx: DaemonContext): ServiceImpl<typeof FileService> {
  async function openAllowed(requested: string, want: "file" | "dir"): Promise<OpenedPath> {
    const roots = ctx.config.files.allow;
    const first = checkRequestedPath(requested, roots);
    if (!first.allowed)
      throw new BasaltError(first.malformed ? "invalid_argument" : "permission_denied", first.reason);
    let opened: OpenedPath;
    try {
      const resolved = await ctx.host.realpath(first.path);
      // Judge the resolved path before opening: nothing outside the roots is ever opened.
      if (!checkOpenedPath(resolved, first.path, roots).allowed) throw notReadable(requested);
      opened = await ctx.host.openPath(resolved, want);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (want === "dir" && code === "ENOTDIR") {
        throw new BasaltError("invalid_argument", `${requested} is not a directory`, {
          hint: "use `basaltctl read` for files",
        });
      }
      throw notReadable(requested);
    }
    if (!checkOpenedPath(opened.actualPath, first.path, roots).allowed) {
      await opened.close();
      throw notReadable(requested);
    }
    if (want === "file" && opened.type !== "file") {
      await opened.close();
      if (opened.type === "dir")
        throw new BasaltError("invalid_argument", `${requested} is a directory`, {
          hint: "use `basaltctl ls` to list it",
        });
      throw new BasaltError("invalid_argument", `${requested} is not a regular file`, {
        hint: "only regular files are read (no devices, FIFOs or sockets)",
      });
    }
    return opened;
  }

  return {
    async *read(req) {
      const file = await openAllowed(req.path, "file");
      try {
        for await (const chunk of file.chunks(maxReadBytes)) yield { data: chunk };
      } catch (err) {
        if (err instanceof BasaltError) throw err;
        const e = err as NodeJS.ErrnoException;
        throw new BasaltError("failed_precondition", `cannot read ${req.path}: ${e.code ?? e.message}`);
      } finally {
        await file.close();
      }
    },
    async list(req) {
      const dir = await openAllowed(req.path, "dir");
      try {
        const entries = await dir.entries(maxListEntries);
        return {
          entries: entries.map((e) => ({
            ...e,
            size: BigInt(e.size),
            modified: timestampFromDate(e.modified),
          })),
        };
      } catch (err) {
        if (err instanceof BasaltError) throw err;
        const e = err as NodeJS.ErrnoException;
        throw new BasaltError("failed_precondition", `cannot list ${req.path}: ${e.code ?? e.message}`);
      } finally {
        await dir.close();
      }
    },
  };
}
