import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { kubernetesCmds } from "@basalt/testkit/k8s-binaries";
import { multicallPrograms } from "../components.ts";
import {
  buildKubernetesCmds,
  download,
  expectVersion,
  goEnv,
  goInstall,
  ldflagsOf,
  prepareKubernetesModule,
  type Recipe,
} from "../go-build.ts";
import { wrapperModule } from "../go-mod.ts";
import { timedStep } from "../run.ts";

export const kubernetes: Recipe = async (ctx, stage, work) => {
  const { kubernetes: v, etcd, kwok } = ctx.versions;
  ctx.log(`building Kubernetes ${v}, etcd ${etcd}, kwok ${kwok}`);
  const timings = await buildKubernetesCmds(ctx, kubernetesCmds, stage, work);

  // etcd: its own wrapper, so its dependencies do not move the versions Kubernetes is built with
  // (its go.mod has replace lines, so `go install …@version` refuses it; package main is the root).
  ctx.log("building etcd…");
  const e = await download(`go.etcd.io/etcd/server/v3@${etcd}`, work);
  const dir = join(work, "etcd");
  mkdirSync(dir, { recursive: true });
  const mod = wrapperModule({
    name: "basalt.local/etcdbuild",
    upstreamGoMod: readFileSync(e.GoMod, "utf8"),
    require: { path: "go.etcd.io/etcd/server/v3", version: etcd },
    imports: ["go.etcd.io/etcd/server/v3"],
  });
  writeFileSync(join(dir, "go.mod"), mod.goMod);
  writeFileSync(join(dir, "tools.go"), mod.toolsGo);
  await timedStep("go mod tidy (etcd)", "go", ["mod", "tidy"], {
    cwd: dir,
    env: goEnv(),
    timings,
    log: ctx.log,
  });
  await timedStep(
    "etcd",
    "go",
    [
      "build",
      "-p",
      String(ctx.jobs),
      "-trimpath",
      "-ldflags",
      "-s -w",
      "-o",
      join(stage, "etcd"),
      "go.etcd.io/etcd/server/v3",
    ],
    { cwd: dir, env: goEnv(), timings, log: ctx.log },
  );

  ctx.log("building kwok…");
  await goInstall(
    ctx,
    {
      label: "kwok",
      module: "sigs.k8s.io/kwok",
      version: kwok,
      pkgs: ["sigs.k8s.io/kwok/cmd/kwok"],
      ldflags: "-s -w",
    },
    stage,
    work,
    timings,
  );

  ctx.log("verifying");
  for (const c of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet"])
    await expectVersion(join(stage, c), ["--version"], `Kubernetes ${v}`);
  await expectVersion(join(stage, "kubectl"), ["version", "--client"], `Client Version: ${v}`);
  await expectVersion(join(stage, "etcd"), ["--version"], `etcd Version: ${etcd.replace(/^v/, "")}`);
  await expectVersion(join(stage, "kwok"), ["--version"], kwok.replace(/^v/, ""));
  return timings;
};

export const kubeProxy: Recipe = async (ctx, stage, work) => {
  const timings = await buildKubernetesCmds(ctx, ["kube-proxy"], stage, work);
  await expectVersion(join(stage, "kube-proxy"), ["--version"], `Kubernetes ${ctx.versions.kubernetes}`);
  return timings;
};

/** tools/k8s/multicall/main.go: the multi-call program's source, copied into the wrapper module. */
export const multicallSource = join(import.meta.dirname, "..", "..", "multicall", "main.go");

/**
 * The `kube` multi-call binary (multicall/main.go) in the Kubernetes wrapper module, with the same
 * flags as the separate programs; its bin dir has a symlink per program.
 */
export const kube: Recipe = async (ctx, stage, work) => {
  const v = ctx.versions.kubernetes;
  const dir = join(work, "k8s");
  const timings = await prepareKubernetesModule(ctx, [], work);
  copyFileSync(multicallSource, join(dir, "main.go"));
  await timedStep("go mod tidy (kube)", "go", ["mod", "tidy"], {
    cwd: dir,
    env: goEnv(),
    timings,
    log: ctx.log,
  });
  ctx.log(
    "building kube (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy in one)…",
  );
  await timedStep(
    "kube",
    "go",
    [
      "build",
      "-p",
      String(ctx.jobs),
      "-trimpath",
      "-tags",
      "selinux,notest",
      "-ldflags",
      ldflagsOf.get(dir)!,
      "-o",
      join(stage, "kube"),
      ".",
    ],
    { cwd: dir, env: goEnv(), timings, log: ctx.log },
  );
  for (const p of multicallPrograms) {
    symlinkSync("kube", join(stage, p));
    await expectVersion(join(stage, p), ["--version"], `Kubernetes ${v}`);
  }
  return timings;
};
