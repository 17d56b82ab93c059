import assert from "node:assert/strict";
import { test } from "node:test";
import {
  buildDateOf,
  godebugLines,
  goDirective,
  hasReplace,
  kubernetesLdflags,
  stagingModules,
  stagingVersion,
  wrapperModule,
} from "./go-mod.ts";

const k8sGoMod = `module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

godebug (
\twinsymlink=0
)

require (
\tgithub.com/foo/bar v1.2.3
\tk8s.io/api v0.0.0
\tk8s.io/client-go v0.0.0 // indirect
)

require k8s.io/kubectl v0.0.0

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/sample-controller => ./staging/src/k8s.io/sample-controller
)

replace k8s.io/cri-api => ./staging/src/k8s.io/cri-api
`;

test("staging modules are those required at v0.0.0 or replaced into ./staging", () => {
  assert.deepEqual(stagingModules(k8sGoMod), [
    "k8s.io/api",
    "k8s.io/client-go",
    "k8s.io/cri-api",
    "k8s.io/kubectl",
    "k8s.io/sample-controller",
  ]);
  assert.equal(stagingVersion("v1.34.4"), "v0.34.4");
});

test("the wrapper carries the go and godebug lines and replaces staging modules by their release", () => {
  assert.equal(goDirective(k8sGoMod), "go 1.24.0");
  assert.deepEqual(godebugLines(k8sGoMod), ["godebug default=go1.24", "godebug (", "\twinsymlink=0", ")"]);
  const { goMod, toolsGo } = wrapperModule({
    name: "basalt.local/k8sbuild",
    upstreamGoMod: k8sGoMod,
    require: { path: "k8s.io/kubernetes", version: "v1.34.4" },
    replace: [{ path: "k8s.io/api", version: "v0.34.4" }],
    imports: ["k8s.io/kubernetes/cmd/kube-proxy"],
  });
  assert.match(goMod, /^module basalt\.local\/k8sbuild$/m);
  assert.match(goMod, /^go 1\.24\.0$/m);
  assert.match(goMod, /^godebug default=go1\.24$/m);
  assert.match(goMod, /^require k8s\.io\/kubernetes v1\.34\.4$/m);
  assert.match(goMod, /^\tk8s\.io\/api => k8s\.io\/api v0\.34\.4$/m);
  assert.match(toolsGo, /^\/\/go:build tools$/m);
  assert.match(toolsGo, /^\t_ "k8s\.io\/kubernetes\/cmd\/kube-proxy"$/m);
  assert.ok(hasReplace(k8sGoMod));
  assert.ok(!hasReplace("module x\n\ngo 1.25.0\n\nrequire y v1.0.0\n"));
});

test("Kubernetes version flags stamp both version packages; the build date comes from .info", () => {
  const f = kubernetesLdflags("v1.34.4", "2026-02-10T12:53:36Z");
  assert.match(f, /^-s -w /);
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    assert.ok(f.includes(`-X ${pkg}.gitVersion=v1.34.4`));
    assert.ok(f.includes(`-X ${pkg}.gitMinor=34`));
    assert.ok(f.includes(`-X ${pkg}.buildDate=2026-02-10T12:53:36Z`));
  }
  assert.equal(buildDateOf('{"Version":"v1.34.4","Time":"2026-02-10T12:53:36Z"}'), "2026-02-10T12:53:36Z");
  assert.equal(buildDateOf("not json"), "1970-01-01T00:00:00Z");
  assert.equal(buildDateOf('{"Time":"yesterday"}'), "1970-01-01T00:00:00Z");
});
