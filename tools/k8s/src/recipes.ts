import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { ociImageArchive } from "@basalt/oci";
import { kubernetesCmds } from "@basalt/testkit/k8s-binaries";
import {
  type ComponentName,
  cniPlugins,
  multicallPrograms,
  pauseArchiveName,
  pauseImageName,
} from "./components.ts";
import {
  buildDateOf,
  hasReplace,
  type ModuleDownload,
  kubernetesLdflags,
  stagingModules,
  stagingVersion,
  wrapperModule,
} from "./go-mod.ts";
import { runCommand, type StepTiming, timedStep } from "./run.ts";
import type { Versions } from "./versions.ts";

/** What every recipe gets. */
export interface RecipeContext {
  versions: Versions;
  /** `go build -p N`. */
  jobs: number;
  log: (line: string) => void;
}

type Recipe = (ctx: RecipeContext, stage: string, work: string) => Promise<StepTiming[]>;

/** GOWORK off (the repo is no Go workspace); GOMODCACHE and GOCACHE stay at their defaults. */
const goEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  GOWORK: "off",
  CGO_ENABLED: "0",
  ...extra,
});

async function download(module: string, cwd: string): Promise<ModuleDownload> {
  const out = await runCommand("go", ["mod", "download", "-json", module], {
    cwd,
    env: goEnv(),
    captureStdout: true,
  }).catch((err: unknown) => {
    throw new BasaltError("unavailable", `cannot download ${module}: ${(err as Error).message}`, {
      hint: "the Go module proxy must be reachable (GOPROXY), or the module already in GOMODCACHE",
    });
  });
  const m = JSON.parse(out) as ModuleDownload;
  if (!m.Dir || !m.GoMod) throw new BasaltError("internal", `go mod download ${module} gave no Dir/GoMod`);
  return m;
}

/** Runs `bin args` and fails unless its output (stdout and stderr, any exit code) contains `expect`. */
async function expectVersion(bin: string, args: string[], expect: string): Promise<void> {
  const out = await new Promise<string>((resolve) => {
    execFile(bin, args, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve(`${stdout}${stderr}${err && !stdout && !stderr ? err.message : ""}`),
    );
  });
  if (!out.includes(expect))
    throw new BasaltError(
      "internal",
      `${bin} ${args.join(" ")} printed '${out.trim()}', expected '${expect}'`,
    );
}

/** Version flags of each prepared wrapper module directory. */
const ldflagsOf = new Map<string, string>();

/** Writes and tidies the wrapper module around k8s.io/kubernetes in `work`/k8s, importing `cmds`. */
async function prepareKubernetesModule(
  ctx: RecipeContext,
  cmds: readonly string[],
  work: string,
): Promise<StepTiming[]> {
  const timings: StepTiming[] = [];
  const v = ctx.versions.kubernetes;
  ctx.log(`resolving k8s.io/kubernetes@${v}`);
  const k8s = await download(`k8s.io/kubernetes@${v}`, work);
  const upstream = readFileSync(k8s.GoMod, "utf8");
  const staging = stagingModules(upstream);
  if (staging.length === 0) throw new BasaltError("internal", `found no staging modules in ${k8s.GoMod}`);
  const buildDate = buildDateOf(readFileSync(k8s.Info, "utf8"));
  ctx.log(`  ${staging.length} staging modules -> ${stagingVersion(v)}, buildDate ${buildDate}`);
  const dir = join(work, "k8s");
  mkdirSync(dir, { recursive: true });
  const mod = wrapperModule({
    name: "basalt.local/k8sbuild",
    upstreamGoMod: upstream,
    require: { path: "k8s.io/kubernetes", version: v },
    replace: staging.map((path) => ({ path, version: stagingVersion(v) })),
    imports: cmds.map((c) => `k8s.io/kubernetes/cmd/${c}`),
  });
  writeFileSync(join(dir, "go.mod"), mod.goMod);
  if (cmds.length > 0) {
    writeFileSync(join(dir, "tools.go"), mod.toolsGo);
    await timedStep("go mod tidy (kubernetes)", "go", ["mod", "tidy"], {
      cwd: dir,
      env: goEnv(),
      timings,
      log: ctx.log,
    });
  }
  ldflagsOf.set(dir, kubernetesLdflags(v, buildDate));
  return timings;
}

/** A wrapper module around k8s.io/kubernetes that builds `cmds` into `stage`. */
async function buildKubernetesCmds(
  ctx: RecipeContext,
  cmds: readonly string[],
  stage: string,
  work: string,
): Promise<StepTiming[]> {
  const timings = await prepareKubernetesModule(ctx, cmds, work);
  const dir = join(work, "k8s");
  const ldflags = ldflagsOf.get(dir)!;
  for (const [i, c] of cmds.entries()) {
    ctx.log(`building ${c} (${i + 1}/${cmds.length})…`);
    await timedStep(
      c,
      "go",
      [
        "build",
        "-p",
        String(ctx.jobs),
        "-trimpath",
        "-tags",
        "selinux,notest",
        "-ldflags",
        ldflags,
        "-o",
        join(stage, c),
        `k8s.io/kubernetes/cmd/${c}`,
      ],
      { cwd: dir, env: goEnv(), timings, log: ctx.log },
    );
  }
  return timings;
}

/** `GOBIN=stage go install pkgs@version` for a module without replace directives. */
async function goInstall(
  ctx: RecipeContext,
  o: {
    label: string;
    module: string;
    version: string;
    pkgs: string[];
    tags?: string;
    ldflags: string;
    cgo?: boolean;
    buildmode?: string;
  },
  stage: string,
  work: string,
  timings: StepTiming[],
): Promise<void> {
  const m = await download(`${o.module}@${o.version}`, work);
  if (hasReplace(readFileSync(m.GoMod, "utf8")))
    throw new BasaltError(
      "failed_precondition",
      `${o.module}@${o.version} has replace directives; go install refuses it`,
      {
        hint: "build it through a wrapper module as the Kubernetes recipe does",
      },
    );
  const args = [
    "install",
    "-p",
    String(ctx.jobs),
    "-trimpath",
    ...(o.buildmode ? [`-buildmode=${o.buildmode}`] : []),
  ];
  if (o.tags) args.push("-tags", o.tags);
  args.push("-ldflags", o.ldflags, ...o.pkgs.map((p) => `${p}@${o.version}`));
  await timedStep(o.label, "go", args, {
    cwd: work,
    env: goEnv({ GOBIN: stage, CGO_ENABLED: o.cgo ? "1" : "0" }),
    timings,
    log: ctx.log,
  });
}

const kubernetes: Recipe = async (ctx, stage, work) => {
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

const kubeProxy: Recipe = async (ctx, stage, work) => {
  const timings = await buildKubernetesCmds(ctx, ["kube-proxy"], stage, work);
  await expectVersion(join(stage, "kube-proxy"), ["--version"], `Kubernetes ${ctx.versions.kubernetes}`);
  return timings;
};

/**
 * The `kube` multi-call binary (multicall/main.go) in the Kubernetes wrapper module, with the same
 * flags as the separate programs; its bin dir has a symlink per program.
 */
const kube: Recipe = async (ctx, stage, work) => {
  const v = ctx.versions.kubernetes;
  const dir = join(work, "k8s");
  const timings = await prepareKubernetesModule(ctx, [], work);
  copyFileSync(join(import.meta.dirname, "..", "multicall", "main.go"), join(dir, "main.go"));
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

const containerd: Recipe = async (ctx, stage, work) => {
  const v = ctx.versions.containerd;
  const pkg = "github.com/containerd/containerd/v2";
  // As upstream's `make STATIC=1 BUILDTAGS=no_btrfs`: static, no cgo, version stamped; the shim
  // additionally without gRPC (it speaks ttrpc), as its Makefile target does.
  const tags = "urfave_cli_no_docs osusergo netgo static_build no_btrfs";
  const ldflags = `-s -w -X ${pkg}/version.Version=${v} -X ${pkg}/version.Package=${pkg}`;
  const timings: StepTiming[] = [];
  ctx.log(`building containerd ${v}…`);
  await goInstall(
    ctx,
    { label: "containerd", module: pkg, version: v, pkgs: [`${pkg}/cmd/containerd`], tags, ldflags },
    stage,
    work,
    timings,
  );
  await goInstall(
    ctx,
    {
      label: "containerd-shim-runc-v2",
      module: pkg,
      version: v,
      pkgs: [`${pkg}/cmd/containerd-shim-runc-v2`],
      tags: `${tags} no_grpc`,
      ldflags,
    },
    stage,
    work,
    timings,
  );
  await expectVersion(join(stage, "containerd"), ["--version"], v);
  await expectVersion(join(stage, "containerd-shim-runc-v2"), ["-v"], v);
  return timings;
};

const runc: Recipe = async (ctx, stage, work) => {
  const v = ctx.versions.runc;
  ctx.log(`building runc ${v} (cgo, libseccomp)…`);
  await runCommand("pkg-config", ["--exists", "libseccomp"]).catch(() => {
    throw new BasaltError(
      "failed_precondition",
      "runc needs libseccomp's headers (pkg-config libseccomp fails)",
      {
        hint: "apt-get install libseccomp-dev pkg-config gcc",
      },
    );
  });
  const timings: StepTiming[] = [];
  // As upstream's `make runc`: dynamic PIE with cgo and the seccomp tag; the image ships libseccomp2.
  await goInstall(
    ctx,
    {
      label: "runc",
      module: "github.com/opencontainers/runc",
      version: v,
      pkgs: ["github.com/opencontainers/runc"],
      tags: "seccomp urfave_cli_no_docs",
      ldflags: "-s -w",
      cgo: true,
      buildmode: "pie",
    },
    stage,
    work,
    timings,
  );
  await expectVersion(join(stage, "runc"), ["--version"], `runc version ${v.replace(/^v/, "")}`);
  await expectVersion(join(stage, "runc"), ["--version"], "libseccomp: 2.");
  return timings;
};

const cni: Recipe = async (ctx, stage, work) => {
  const v = ctx.versions.cniPlugins;
  const mod = "github.com/containernetworking/plugins";
  const dirs: Record<string, string> = {
    bridge: "main",
    loopback: "main",
    "host-local": "ipam",
    portmap: "meta",
  };
  ctx.log(`building CNI plugins ${v} (${cniPlugins.join(", ")})…`);
  const timings: StepTiming[] = [];
  await goInstall(
    ctx,
    {
      label: "cni-plugins",
      module: mod,
      version: v,
      pkgs: cniPlugins.map((p) => `${mod}/plugins/${dirs[p]}/${p}`),
      ldflags: `-s -w -X ${mod}/pkg/utils/buildversion.BuildVersion=${v}`,
    },
    stage,
    work,
    timings,
  );
  // A CNI plugin run without CNI_COMMAND prints its name and version.
  for (const p of cniPlugins) await expectVersion(join(stage, p), [], `plugin ${v}`);
  return timings;
};

const pause: Recipe = async (ctx, stage, work) => {
  const { pause: v, kubernetes } = ctx.versions;
  ctx.log(`building pause ${v} from k8s.io/kubernetes@${kubernetes} build/pause…`);
  const k8s = await download(`k8s.io/kubernetes@${kubernetes}`, work);
  const tag = /^TAG \?= (\S+)$/m.exec(readFileSync(join(k8s.Dir, "build/pause/Makefile"), "utf8"))?.[1];
  if (tag !== v)
    throw new BasaltError(
      "failed_precondition",
      `k8s.io/kubernetes@${kubernetes} builds pause ${tag}, versions.env pins ${v}`,
      {
        hint: "set PAUSE_VERSION to the TAG in build/pause/Makefile",
      },
    );
  const timings: StepTiming[] = [];
  const out = join(stage, "pause");
  // Upstream's CFLAGS (-Os -Wall -Werror -static), with the version the release stamps.
  await timedStep(
    "pause (gcc -static)",
    "gcc",
    [
      "-Os",
      "-Wall",
      "-Werror",
      "-static",
      `-DVERSION=v${v}-${kubernetes}`,
      "-o",
      out,
      join(k8s.Dir, "build/pause/linux/pause.c"),
    ],
    { cwd: work, timings, log: ctx.log },
  ).catch((err: unknown) => {
    throw new BasaltError("failed_precondition", `cannot compile pause: ${(err as Error).message}`, {
      hint: "apt-get install gcc libc6-dev",
    });
  });
  await runCommand("strip", ["--strip-all", out]);
  await expectVersion(out, ["-v"], `pause.c v${v}`);
  const { archive, manifestDigest } = ociImageArchive({
    name: pauseImageName(v),
    files: [{ path: "pause", mode: 0o755, bytes: readFileSync(out) }],
    entrypoint: ["/pause"],
    user: "65535:65535",
  });
  writeFileSync(join(stage, pauseArchiveName(v)), archive);
  ctx.log(`  ${pauseArchiveName(v)}: ${archive.length} bytes, manifest ${manifestDigest}`);
  return timings;
};

/** The build of each component. */
export const recipes: Readonly<Record<ComponentName, Recipe>> = {
  kubernetes,
  "kube-proxy": kubeProxy,
  kube,
  containerd,
  runc,
  "cni-plugins": cni,
  pause,
};
