import type { FileService } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { DaemonContext } from "../daemon-context.ts";
import { checkRequestedPath, checkResolvedPath } from "../files/allow-list.ts";

const maxReadBytes = 64 * 1024 * 1024;

/** Read and List, confined to the machine config's allow-list after resolving every symlink. */
export function fileService(ctx: DaemonContext): ServiceImpl<typeof FileService> {
  async function allowedPath(requested: string): Promise<string> {
    const first = checkRequestedPath(requested);
    if (!first.allowed) throw new BasaltError("invalid_argument", first.reason);
    const roots = ctx.config.files.allow;
    // Resolve the deepest existing path so a missing file inside an allowed root reads as not_found,
    // while anything outside stays permission_denied whether or not it exists.
    let resolved: string;
    try {
      resolved = await ctx.host.realpath(first.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const decision = checkResolvedPath(first.path, roots, requested);
      if (!decision.allowed) throw new BasaltError("permission_denied", decision.reason);
      if (code === "ENOENT" || code === "ENOTDIR")
        throw new BasaltError("not_found", `${requested} does not exist`);
      throw err;
    }
    const decision = checkResolvedPath(resolved, roots, requested);
    if (!decision.allowed) throw new BasaltError("permission_denied", decision.reason);
    return decision.path;
  }

  return {
    async *read(req) {
      const path = await allowedPath(req.path);
      try {
        for await (const chunk of ctx.host.readChunks(path, maxReadBytes)) yield { data: chunk };
      } catch (err) {
        if (err instanceof BasaltError) throw err;
        const e = err as NodeJS.ErrnoException;
        throw new BasaltError("failed_precondition", `cannot read ${req.path}: ${e.code ?? e.message}`);
      }
    },
    async list(req) {
      const path = await allowedPath(req.path);
      try {
        const entries = await ctx.host.listDir(path);
        return {
          entries: entries.map((e) => ({
            ...e,
            size: BigInt(e.size),
            modified: timestampFromDate(e.modified),
          })),
        };
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === "ENOTDIR")
          throw new BasaltError("invalid_argument", `${req.path} is not a directory`, {
            hint: "use `basaltctl read` for files",
          });
        throw new BasaltError("failed_precondition", `cannot list ${req.path}: ${e.code ?? e.message}`);
      }
    },
  };
}
