import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { k8sBinDir } from "@basalt/testkit";
import { busyboxArchive } from "../test/e2e/kubernetes/support/busybox-image.ts";
import { cachedImage } from "../test/e2e/support/cached-image.ts";

/**
 * The main job in one command: a Kubernetes cluster of Basalt VMs (1 control plane + 2 workers,
 * `basaltctl cluster create`), `kubectl get nodes`, a workload running on the workers, and every
 * node answering basaltctl. `--keep` leaves the cluster running (remove it with
 * `basaltctl cluster destroy`); otherwise it is destroyed at the end.
 */
const root = join(import.meta.dirname, "..");
const keep = process.argv.includes("--keep");
const name = process.env.BASALT_CLUSTER_NAME ?? "basalt";
const workers = Number(process.env.BASALT_CLUSTER_WORKERS ?? "2");
const scratch = mkdtempSync(join(tmpdir(), "basalt-cluster-demo-"));
const t0 = performance.now();
const since = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

function run(
  argv: string[],
  opts: { timeoutMs?: number; input?: string; show?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { encoding: "utf8", timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${argv.slice(1, 4).join(" ")}: ${stderr || err.message}`)) : resolve(stdout),
    );
    if (opts.show) child.stderr?.pipe(process.stderr);
    child.stdin?.end(opts.input ?? "");
  });
}
const ctl = (args: string[], opts: Parameters<typeof run>[1] = {}) =>
  run([process.execPath, join(root, "dist/basaltctl.mjs"), "--context", name, ...args], opts);

async function show(title: string, argv: Promise<string>) {
  console.log(`\n# ${title}`);
  console.log((await argv).trimEnd());
}

let created = false;
try {
  console.log(`[${since()}] image: building or reusing the kubernetes image (first run: many minutes)`);
  const image = (await cachedImage((l) => console.log(`  imager ${l}`), { profile: "kubernetes" })).dir;
  console.log(`[${since()}] image ${image}`);
  console.log(`\n$ basaltctl cluster create --name ${name} --workers ${workers} --image ${image}`);
  created = true;
  console.log(
    await ctl(["cluster", "create", "--name", name, "--workers", String(workers), "--image", image], {
      timeoutMs: 3_600_000,
      show: true,
    }).catch(() => {
      throw new Error("basaltctl cluster create failed (its progress and error are above)");
    }),
  );
  const kubeconfig = join(
    process.env.XDG_STATE_HOME || join(process.env.HOME ?? "/root", ".local/state"),
    "basalt/clusters",
    name,
    "kubeconfig",
  );
  const kubectl = async (args: string[], input?: string) =>
    run([join(await k8sBinDir(), "kubectl"), `--kubeconfig=${kubeconfig}`, ...args], {
      input,
      timeoutMs: 300_000,
    });
  await show("kubectl get nodes -o wide", kubectl(["get", "nodes", "-o", "wide"]));
  const workerNames = Array.from({ length: workers }, (_, i) => `${name}-w${i + 1}`);
  if (workers > 0) {
    // No registry here: the workload's image is built locally and streamed to each worker's containerd.
    const archive = join(scratch, "busybox.tar");
    writeFileSync(archive, busyboxArchive());
    await show(
      `basaltctl image import busybox.tar -n ${workerNames.join(",")}`,
      ctl(["image", "import", archive, "-n", workerNames.join(","), "--timeout", "300s"], {
        timeoutMs: 600_000,
      }),
    );
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: hello }
spec:
  replicas: ${workers}
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      containers:
        - name: web
          image: basalt.test/busybox:1.0
          imagePullPolicy: Never
          command: [sh, -c, 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && httpd -f -p 8080 -h /www']
`;
    await show("kubectl apply (Deployment hello)", kubectl(["apply", "-f", "-"], deployment));
    await show(
      "kubectl rollout status deployment/hello",
      kubectl(["rollout", "status", "deployment/hello", "--timeout=600s"]),
    );
    await show("kubectl get pods -o wide", kubectl(["get", "pods", "-o", "wide"]));
  }
  await show("basaltctl version -n all", ctl(["version", "-n", "all", "--timeout", "60s"]));
  await show("basaltctl cluster list", ctl(["cluster", "list"]));
  console.log(`\n[${since()}] done`);
} catch (err) {
  console.error(`\ncluster demo failed after ${since()}: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  if (created && !keep) {
    console.log(`\n$ basaltctl cluster destroy --name ${name}`);
    console.log(
      await ctl(["cluster", "destroy", "--name", name], { timeoutMs: 120_000 }).catch(
        (e: Error) => e.message,
      ),
    );
  } else if (created) console.log(`\nthe cluster keeps running: basaltctl cluster destroy --name ${name}`);
  rmSync(scratch, { recursive: true, force: true });
}
