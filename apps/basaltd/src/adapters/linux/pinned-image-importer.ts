import { createReadStream } from "node:fs";
import { containerdImageStore } from "../../containers/containerd-image-store.ts";
import { importImageArchive } from "../../containers/image-import.ts";
import type { PinnedImageImporter } from "../../kubernetes/kube-node-ports.ts";

/**
 * Imports an archive from the root image into containerd's CRI namespace, pinned, with the same
 * importer `basaltctl image import` uses (containerd's own API, no ctr).
 */
export function pinnedImageImporter(socket: string, snapshotter = "overlayfs"): PinnedImageImporter {
  return {
    async importPinned(archivePath) {
      const store = containerdImageStore(socket, { snapshotter });
      try {
        const images = await importImageArchive(store, createReadStream(archivePath), { pinned: true });
        return images.map((i) => i.name);
      } finally {
        store.close();
      }
    },
  };
}
