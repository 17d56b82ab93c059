import { join } from "node:path";
import { BasaltError } from "@basalt/machinery";
import { cniPlugins } from "../components.ts";
import { expectVersion, goInstall, type Recipe } from "../go-build.ts";
import { runCommand, type StepTiming } from "../run.ts";

export const containerd: Recipe = async (ctx, stage, work) => {
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

export const runc: Recipe = async (ctx, stage, work) => {
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

export const cni: Recipe = async (ctx, stage, work) => {
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
