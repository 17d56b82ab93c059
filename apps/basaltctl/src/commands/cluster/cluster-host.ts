import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { parseClientConfig } from "@basalt/machinery";
import {
  type ClusterEvent,
  type ClusterPhase,
  ClusterPhaseError,
  type ClusterState,
  planCluster,
  provisionCluster,
  type VmNetwork,
} from "@basalt/provision";
import { stringify } from "yaml";
import { renderSecrets } from "../gen/secrets-file.ts";
import { clusterNodeConfig } from "./cluster-configs.ts";
import { type ClusterRequest, clusterFiles, relayPrograms, writeState } from "./cluster-files.ts";

/**
 * The detached process that owns a cluster (`basaltctl cluster host --dir DIR`, started by
 * `cluster create`): it provisions the cluster, reports progress to progress.jsonl, and then stays,
 * holding the namespace, the relay with its forwards and the qemu VMs (which die with it). SIGTERM
 * (from `cluster destroy`) stops the VMs, the relay and the namespace, then it exits.
 */
export async function runClusterHost(dir: string): Promise<never> {
  const files = clusterFiles(dir);
  const req = JSON.parse(readFileSync(files.request, "utf8")) as ClusterRequest;
  const emit = (e: Omit<ClusterEvent, "t">) =>
    appendFileSync(files.progress, `${JSON.stringify({ t: Date.now() - req.startedAt, ...e })}\n`);
  let network: VmNetwork | undefined;
  let state: ClusterState | undefined;
  let phase: ClusterPhase = "secrets";
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      if (state) writeState(dir, { ...state, status: "destroying" });
      await network?.destroy().catch((err: Error) => console.error(`teardown: ${err.message}`));
    })();
    void stopping.then(() => process.exit(code));
  };
  process.on("SIGTERM", () => stop(0));
  process.on("SIGINT", () => stop(0));
  process.on("SIGHUP", () => {});
  try {
    const plan = planCluster({ name: req.name, workers: req.workers });
    emit({
      phase,
      message: "cluster PKI: node API CA, cluster, etcd and front-proxy CAs, service-account key, token",
    });
    const pki = await import("@basalt/pki");
    const osCa = await pki.createCa("basalt-os-ca");
    const kubernetes = await pki.newClusterPki();
    writeFileSync(files.secrets, renderSecrets({ ca: osCa, kubernetes }), { mode: 0o600 });
    phase = "network";
    const cluster = await provisionCluster(
      {
        plan,
        image: req.image,
        dir,
        osCa,
        ...relayPrograms(),
        configure: (node, generated, ctx) =>
          clusterNodeConfig({
            generated,
            role: node.role,
            name: node.name,
            ip: ctx.vm.ip,
            prefix: ctx.plan.prefixLength,
            controlPlaneIp: ctx.controlPlaneIp,
            clusterName: req.name,
            kubernetes,
          }),
        progress: (e) => {
          phase = e.phase;
          emit(e);
        },
        onState: (s) => {
          state = s;
          writeState(dir, s);
        },
      },
      (n) => {
        network = n;
        // The cluster's basaltctl context (the provisioner's admin config, renamed after the
        // cluster), written as soon as the nodes have addresses: a kept failed cluster can be looked at.
        const client = parseClientConfig(readFileSync(n.clientConfigPath, "utf8"), "client config");
        const context = client.contexts[client.context]!;
        writeFileSync(
          files.basaltconfig,
          stringify({ context: req.name, contexts: { [req.name]: context } }),
          {
            mode: 0o600,
          },
        );
      },
    );
    const readySeconds = (Date.now() - req.startedAt) / 1000;
    state = { ...cluster.state, basaltconfig: files.basaltconfig, readySeconds };
    writeState(dir, state);
    emit({ phase: "nodes-ready", message: `every Node Ready in ${readySeconds.toFixed(0)} s`, end: "ready" });
  } catch (err) {
    const e = err instanceof ClusterPhaseError ? err : undefined;
    const full = (err as Error)?.message ?? String(err);
    // The event names its node already: keep the message without the node prefix.
    const message = e?.node && full.startsWith(`${e.node}: `) ? full.slice(e.node.length + 2) : full;
    const hint = (err as { hint?: string }).hint;
    if (state)
      writeState(dir, {
        ...state,
        status: "failed",
        phase: e?.phase ?? phase,
        error: { message: full, ...(e?.node ? { node: e.node } : {}), ...(hint ? { hint } : {}) },
      });
    emit({ phase: e?.phase ?? phase, ...(e?.node ? { node: e.node } : {}), message, hint, end: "failed" });
    if (!req.keep) stop(1);
  }
  // Stay: the VMs, the relay and its forwards live as long as this process.
  for (;;) await new Promise((r) => setTimeout(r, 3_600_000));
}
