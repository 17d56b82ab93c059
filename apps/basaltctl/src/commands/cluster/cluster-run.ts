import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { BasaltError, parseClientConfig } from "@basalt/machinery";
import { clientConfigPath } from "../../cli/client-config-file.ts";
import type { Row, RunCommand } from "../../cli/command.ts";
import {
  type ClusterRequest,
  clusterFiles,
  clusterNames,
  dropContext,
  mergeContext,
  readState,
} from "./cluster-files.ts";
import { runClusterHost } from "./cluster-host.ts";

// The provisioner (qemu, namespaces, the relay) is loaded only by the cluster commands.
const provision = () => import("@basalt/provision");

function where(values: Record<string, unknown>) {
  const root = (values["state-dir"] as string | undefined) ?? undefined;
  return root;
}

async function clustersRoot(values: Record<string, unknown>): Promise<string> {
  return where(values) ?? (await provision()).defaultClustersDir();
}

/** The kubernetes image: --image DIR, --build (basalt-imager from this checkout), or the newest cached one. */
async function resolveImage(values: Record<string, unknown>, log: (l: string) => void): Promise<string> {
  const given = values.image as string | undefined;
  if (given) {
    const dir = resolve(given);
    if (!existsSync(join(dir, "disk.raw")))
      throw new BasaltError("not_found", `no disk.raw in ${dir}`, {
        hint: "pass an image directory made by basalt-imager (npm run image:k8s), or --build",
      });
    return dir;
  }
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "basalt", "images");
  if (values.build === true) {
    const repo = resolve(process.argv[1] ?? ".", "../..");
    const imager = join(repo, "apps/basalt-imager/src/main.ts");
    if (!existsSync(imager))
      throw new BasaltError("failed_precondition", `--build needs the Basalt checkout (no ${imager})`, {
        hint: "run basaltctl from the repository's dist/, or pass --image DIR",
      });
    const out = join(cache, `cluster-${Date.now()}`);
    log(`building the kubernetes image into ${out} (basalt-imager; minutes)`);
    await new Promise<void>((ok, fail) => {
      const child = spawn(
        process.execPath,
        [
          imager,
          "build",
          "--profile",
          join(repo, "apps/basalt-imager/profiles/kubernetes.yaml"),
          "--out",
          out,
        ],
        { cwd: repo, stdio: ["ignore", "inherit", "inherit"] },
      );
      child.once("error", fail);
      child.once("exit", (code) =>
        code === 0
          ? ok()
          : fail(new BasaltError("internal", `basalt-imager exited with ${code} (phase: image)`)),
      );
    });
    return out;
  }
  // The newest cached image that carries the Kubernetes components.
  const candidates = (existsSync(cache) ? readdirSync(cache) : [])
    .map((d) => join(cache, d))
    .filter((d) => {
      try {
        const m = JSON.parse(readFileSync(join(d, "manifest.json"), "utf8")) as { components?: unknown };
        return m.components !== undefined && existsSync(join(d, "disk.raw"));
      } catch {
        return false;
      }
    })
    .sort((a, b) => statSync(join(b, "manifest.json")).mtimeMs - statSync(join(a, "manifest.json")).mtimeMs);
  if (!candidates[0])
    throw new BasaltError("not_found", `no Kubernetes image in ${cache}`, {
      hint: "pass --build (or --image DIR; `npm run cluster` builds and caches one)",
    });
  return candidates[0];
}

/** Liveness of a recorded process (same pid and start time). */
async function alive(owner: { pid: number; startTicks: string } | undefined): Promise<boolean> {
  return owner !== undefined && (await provision()).ownerAlive(owner);
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

export const clusterCreate: RunCommand = async (inv) => {
  const p = await provision();
  const name = (inv.values.name as string | undefined) ?? "basalt";
  const workers = Number((inv.values.workers as string | undefined) ?? "2");
  p.planCluster({ name, workers }); // checks the name and worker count before anything starts
  if (inv.values.image !== undefined && inv.values.build === true)
    throw new BasaltError("invalid_argument", "--image and --build exclude each other");
  const root = await clustersRoot(inv.values);
  const dir = join(root, name);
  const existing = existsSync(dir) ? readState(dir) : undefined;
  if (existsSync(dir))
    throw new BasaltError(
      "already_exists",
      `a cluster named ${name} exists (${existing?.status ?? "no state"})`,
      {
        hint: `remove it with \`basaltctl cluster destroy --name ${name}\`, or pick another --name`,
      },
    );
  const startedAt = Date.now();
  const say = (l: string) => process.stderr.write(`${l}\n`);
  say(`${"0.0".padStart(7)}s  image       ${inv.values.image ? "using" : "finding"} the Kubernetes image`);
  const image = await resolveImage(inv.values, say);
  say(`${((Date.now() - startedAt) / 1000).toFixed(1).padStart(7)}s  image       ${image}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = clusterFiles(dir);
  const request: ClusterRequest = { name, workers, image, keep: inv.values.keep === true, startedAt };
  writeFileSync(files.request, JSON.stringify(request), { mode: 0o600 });
  writeFileSync(files.progress, "", { mode: 0o600 });
  const log = openSync(files.hostLog, "a", 0o600);
  // Detached (own session) so the VMs outlive this command; its pid goes into cluster.json.
  const host = spawn(process.execPath, [process.argv[1]!, "cluster", "host", "--dir", dir], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  host.unref();
  const hostExited = new Promise<number | null>((r) => host.once("exit", (code) => r(code)));
  let exitCode: number | null | undefined;
  void hostExited.then((c) => {
    exitCode = c;
  });
  // Ctrl-C while creating: tear the cluster down (unless --keep) rather than leave half of it.
  process.removeAllListeners("SIGINT");
  process.once("SIGINT", () => {
    if (!request.keep) host.kill("SIGTERM");
    say(
      request.keep
        ? `interrupted; the cluster keeps running (basaltctl cluster destroy --name ${name})`
        : "interrupted; tearing down",
    );
    void (request.keep ? Promise.resolve() : hostExited).then(() => process.exit(130));
  });
  const mergeClusterContext = () => {
    const ctlPath = clientConfigPath(inv.global);
    mkdirSync(join(ctlPath, ".."), { recursive: true, mode: 0o700 });
    mergeContext(
      ctlPath,
      parseClientConfig(readFileSync(files.basaltconfig, "utf8"), files.basaltconfig),
      name,
    );
    return ctlPath;
  };
  let consumed = 0;
  for (;;) {
    const text = readFileSync(files.progress, "utf8");
    const { events, consumed: used } = p.parseProgress(text.slice(consumed));
    consumed += used;
    for (const e of events) {
      say(p.formatEvent(e));
      if (e.end === "failed") {
        if (!request.keep) await hostExited;
        else if (existsSync(files.basaltconfig)) mergeClusterContext();
        throw new BasaltError("unavailable", `cluster ${name}: ${e.node ? `${e.node}: ` : ""}${e.message}`, {
          hint: [
            e.hint,
            request.keep
              ? `the cluster is kept running for a look (basaltctl --context ${name} …); remove it with \`basaltctl cluster destroy --name ${name}\``
              : `nothing is left running; logs stay in ${dir} until \`basaltctl cluster destroy --name ${name}\``,
          ]
            .filter(Boolean)
            .join("; "),
        });
      }
      if (e.end === "ready") {
        const state = readState(dir)!;
        const ctlPath = mergeClusterContext();
        return {
          kind: "local",
          rows: state.nodes.map((n) => ({ NODE: n.name, ROLE: n.role, IP: n.ip, API: n.apiEndpoint })),
          json: { ...state, basaltconfigContext: { file: ctlPath, context: name } },
          message: [
            `cluster ${name} ready in ${state.readySeconds?.toFixed(0)} s (apiserver ${state.apiserver})`,
            `basaltctl context "${name}" in ${ctlPath} (current)`,
            `kubectl: export KUBECONFIG=${files.kubeconfig}`,
            `remove it: basaltctl cluster destroy --name ${name}`,
          ].join("\n"),
        };
      }
    }
    if (exitCode !== undefined) {
      const tail = readFileSync(files.hostLog, "utf8").slice(-2000);
      throw new BasaltError(
        "internal",
        `the cluster host process exited (code ${exitCode}) before the cluster was ready`,
        {
          hint: `its log: ${files.hostLog}\n${tail}`,
        },
      );
    }
    await sleep(500);
  }
};

export const clusterDestroy: RunCommand = async (inv) => {
  const p = await provision();
  const name = p.checkClusterName((inv.values.name as string | undefined) ?? "basalt");
  const dir = join(await clustersRoot(inv.values), name);
  if (!existsSync(dir))
    throw new BasaltError("not_found", `no cluster named ${name} (${dir})`, {
      hint: "`basaltctl cluster list` shows the clusters",
    });
  const state = readState(dir);
  const done: Row[] = [];
  if (state && (await alive(state.host))) {
    process.kill(state.host.pid, "SIGTERM");
    const deadline = Date.now() + 60_000;
    while ((await alive(state.host)) && Date.now() < deadline) await sleep(300);
    if (await alive(state.host)) process.kill(state.host.pid, "SIGKILL");
    done.push({ WHAT: "host process", ID: state.host.pid, RESULT: "stopped (VMs and relay with it)" });
  }
  // Whatever outlived its host (a SIGKILLed host's children die by their death signal; this is
  // the belt to those braces).
  for (const owner of [state?.relay, ...(state?.nodes ?? []).map((n) => n.qemu)])
    if (owner && (await alive(owner))) {
      process.kill(owner.pid, "SIGKILL");
      done.push({ WHAT: "leftover process", ID: owner.pid, RESULT: "killed" });
    }
  // The namespace of a dead host is a stale run: the sweeper removes it (and only dead runs).
  for (const r of await p.sweepStaleNamespaces())
    if (r.action === "removed") done.push({ WHAT: "namespace", ID: r.namespace, RESULT: "removed" });
  const ns = state?.namespace;
  if (ns && (await p.listNamespaces()).includes(ns))
    throw new BasaltError("internal", `namespace ${ns} is still there`, {
      hint: `its owner still runs; look at ${clusterFiles(dir).hostLog}`,
    });
  const ctlPath = clientConfigPath(inv.global);
  if (dropContext(ctlPath, name))
    done.push({ WHAT: "basaltctl context", ID: name, RESULT: `removed from ${ctlPath}` });
  rmSync(dir, { recursive: true, force: true });
  done.push({ WHAT: "files", ID: dir, RESULT: "removed" });
  return {
    kind: "local",
    rows: done,
    json: { name, removed: done },
    message: `cluster ${name} destroyed`,
  };
};

export const clusterList: RunCommand = async (inv) => {
  const root = await clustersRoot(inv.values);
  const rows: Row[] = [];
  const json: unknown[] = [];
  for (const name of clusterNames(root)) {
    const state = readState(join(root, name));
    if (!state) {
      rows.push({
        CLUSTER: name,
        STATUS: "unknown (no state)",
        NODE: "",
        ROLE: "",
        IP: "",
        API: "",
        VM: "",
      });
      json.push({ name, status: "unknown" });
      continue;
    }
    const hostUp = await alive(state.host);
    const status = hostUp ? state.status : state.status === "failed" ? "failed" : "stopped";
    const nodes = await Promise.all(
      state.nodes.map(async (n) => ({ ...n, running: hostUp && (await alive(n.qemu)) })),
    );
    for (const n of nodes)
      rows.push({
        CLUSTER: name,
        STATUS: status,
        NODE: n.name,
        ROLE: n.role,
        IP: n.ip,
        API: n.apiEndpoint,
        VM: n.running ? "running" : "stopped",
      });
    json.push({
      name,
      status,
      apiserver: state.apiserver,
      kubeconfig: state.kubeconfig,
      readySeconds: state.readySeconds,
      nodes: nodes.map((n) => ({
        name: n.name,
        role: n.role,
        ip: n.ip,
        api: n.apiEndpoint,
        running: n.running,
        consoleLog: n.consoleLog,
      })),
    });
  }
  return {
    kind: "local",
    rows,
    json,
    ...(rows.length === 0 ? { message: `no clusters in ${root}` } : {}),
  };
};

export const clusterHost: RunCommand = async (inv) => {
  const dir = inv.values.dir as string | undefined;
  if (!dir) throw new BasaltError("invalid_argument", "--dir is required");
  return runClusterHost(dir);
};
