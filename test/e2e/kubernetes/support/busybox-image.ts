import { readFileSync } from "node:fs";
import { ociImageArchive } from "@basalt/oci";

/** The busybox applets the test's pods use. */
const applets = ["sh", "echo", "cat", "sleep", "hostname", "wget", "httpd", "mkdir", "ip", "ls", "chmod"];

/**
 * A workload image built by the test: Debian's static busybox (busybox-static on the host) in one
 * layer, written as an OCI archive by our own code. Tagged, so kubelet never tries to pull it.
 */
export function busyboxArchive(name = "basalt.test/busybox:1.0"): Buffer {
  const busybox = readFileSync("/bin/busybox");
  return ociImageArchive({
    name,
    files: [
      { path: "bin/busybox", mode: 0o755, bytes: busybox },
      ...applets.map((a) => ({ path: `bin/${a}`, symlink: "busybox" })),
    ],
    entrypoint: ["/bin/sh"],
    env: ["PATH=/bin"],
  }).archive;
}
