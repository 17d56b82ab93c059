import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A containerd config (version 2: containerd 1.6 and 1.7; 2.x migrates it) with the CRI plugin,
 * everything under `dir`: root, state, sockets. The sandbox ("pause") image is `sandboxImage`, which
 * the test imports itself — nothing is ever pulled. No CNI: test pods use the host's network.
 */
export function writeContainerdConfig(dir: string, sandboxImage: string): { config: string; socket: string } {
  mkdirSync(join(dir, "cni", "bin"), { recursive: true });
  mkdirSync(join(dir, "cni", "conf"), { recursive: true });
  const socket = join(dir, "containerd.sock");
  const config = join(dir, "containerd.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = "${dir}/root"`,
      `state = "${dir}/state"`,
      "[grpc]",
      `  address = "${socket}"`,
      "[ttrpc]",
      `  address = "${dir}/containerd.ttrpc.sock"`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${dir}/opt"`,
      '[plugins."io.containerd.grpc.v1.cri"]',
      `  sandbox_image = "${sandboxImage}"`,
      // This machine's processes may not lower their OOM score (no CAP_SYS_RESOURCE): keep CRI's
      // container scores at or above containerd's own.
      "  restrict_oom_score_adj = true",
      '[plugins."io.containerd.grpc.v1.cri".cni]',
      `  bin_dir = "${dir}/cni/bin"`,
      `  conf_dir = "${dir}/cni/conf"`,
      '[plugins."io.containerd.grpc.v1.cri".containerd]',
      '  snapshotter = "overlayfs"',
      '  default_runtime_name = "runc"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '  runtime_type = "io.containerd.runc.v2"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      "  SystemdCgroup = false",
      `  Root = "${dir}/runc"`,
      "",
    ].join("\n"),
  );
  return { config, socket };
}
