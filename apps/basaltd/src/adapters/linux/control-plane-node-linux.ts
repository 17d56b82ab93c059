import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type Kube, KubeClient, loadKubeconfig } from "@basalt/kube";
import type { ControlPlanePaths } from "../../kubernetes/control-plane-paths.ts";
import { pkiFile } from "../../kubernetes/control-plane-paths.ts";

/** The bootstrap marker on STATE: its content (the date), or undefined if there is none. */
export async function readBootstrapMarker(paths: ControlPlanePaths): Promise<string | undefined> {
  try {
    return await readFile(paths.bootstrapMarker, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Writes the marker (through a rename would be tidier; one small write on STATE is atomic enough for a date). */
export async function writeBootstrapMarker(paths: ControlPlanePaths, text: string): Promise<void> {
  await mkdir(dirname(paths.bootstrapMarker), { recursive: true });
  await writeFile(paths.bootstrapMarker, text, { mode: 0o644 });
}

/**
 * basaltd's admin client on the apiserver (loopback), from the admin kubeconfig the control-plane
 * PKI phase wrote; made on first use and kept (one connection pool).
 */
export function adminKubeClient(paths: ControlPlanePaths): () => Kube {
  let client: KubeClient | undefined;
  return () => {
    client ??= new KubeClient(loadKubeconfig(pkiFile(paths, "admin.kubeconfig")));
    return client;
  };
}
