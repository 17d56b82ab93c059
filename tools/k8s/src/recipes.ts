import type { ComponentName } from "./components.ts";
import type { Recipe } from "./go-build.ts";
import { kube, kubeProxy, kubernetes } from "./recipes/kubernetes.ts";
import { cni, containerd, runc } from "./recipes/node-runtime.ts";
import { pause } from "./recipes/pause.ts";

export type { RecipeContext } from "./go-build.ts";

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
