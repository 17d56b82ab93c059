import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { k8sBinDir } from "@basalt/testkit";

/**
 * basaltd's control plane without a VM: in a network namespace of its own (the node address on
 * its loopback; nothing reaches the host's ports), the PKI basaltd issues, its command lines for
 * the real etcd, kube-apiserver, kube-controller-manager and kube-scheduler, its health checks, and
 * Bootstrap (support/control-plane-node-child.ts runs inside). Needs root (ip netns).
 */
test("control-plane node: bootstrap brings up etcd → apiserver → controllers, creates the join objects, once", {
  timeout: 480_000,
}, async () => {
  const ns = `basalt-cpn-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), "basalt-cp-node-"));
  const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });
  ip("netns", "add", ns);
  try {
    ip("-n", ns, "link", "set", "lo", "up");
    ip("-n", ns, "addr", "add", "10.77.0.1/32", "dev", "lo");
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        ns,
        process.execPath,
        join(import.meta.dirname, "support/control-plane-node-child.ts"),
      ],
      {
        env: { ...process.env, CP_DIR: dir, CP_BIN: await k8sBinDir(), CP_ADDRESS: "10.77.0.1" },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout!.on("data", (b) => {
      out += b;
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    const lines = out
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const verdict = lines.at(-1)?.verdict;
    assert.equal(code, 0, out);
    assert.equal(verdict?.ok, true, JSON.stringify(verdict, null, 2));
    const phases = lines.filter((l) => l.progress).map((l) => l.progress.phase);
    assert.deepEqual(phases, [
      "etcd",
      "kube-apiserver",
      "bootstrap-token",
      "rbac",
      "marker",
      "kube-controller-manager",
      "kube-scheduler",
      "done",
    ]);
    assert.match(verdict.second, /already bootstrapped on \d{4}-\d\d-\d\dT/);
    assert.equal(verdict.secretType, "bootstrap.kubernetes.io/token");
    assert.ok(verdict.bindings.includes("basalt:node-autoapprove-bootstrap"));
    assert.equal(
      verdict.tokenListsCsrs,
      "CertificateSigningRequestList",
      "a worker's bootstrap token authenticates",
    );
    assert.equal(verdict.kcm, "healthy");
    assert.equal(verdict.scheduler, "healthy");
    const hours = (Date.parse(verdict.adminExpires) - Date.now()) / 3_600_000;
    assert.ok(hours > 0.9 && hours <= 1, `the admin kubeconfig lives the hour asked for: ${hours}`);
    console.log(`  bootstrap took ${verdict.bootstrapSeconds} s on this host`);
  } finally {
    for (const pid of ip("netns", "pids", ns).split("\n").filter(Boolean))
      process.kill(Number(pid), "SIGKILL");
    ip("netns", "del", ns);
    rmSync(dir, { recursive: true, force: true });
  }
});
