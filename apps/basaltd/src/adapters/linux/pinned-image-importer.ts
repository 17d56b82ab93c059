import { BasaltError } from "@basalt/machinery";
import type { PinnedImageImporter } from "../../kubernetes/kube-node-ports.ts";

/**
 * The pinned-image importer on containerd's socket. Placeholder until the containerd image
 * importer lands: it reports that it cannot import, and the pause-image phase says so as an event.
 */
export function pinnedImageImporter(socket: string): PinnedImageImporter {
  return {
    async importPinned(archivePath) {
      throw new BasaltError(
        "unimplemented",
        `cannot import ${archivePath} into containerd at ${socket}: this basaltd has no image importer`,
      );
    },
  };
}
