import { after, afterEach, before } from "node:test";
import { BasaltError } from "@basalt/machinery";
import { type ControlPlane, type ControlPlaneOptions, startControlPlane } from "./control-plane.ts";
import { type KwokOptions, startKwok } from "./kwok.ts";

/** Options of `useControlPlane`: those of `startControlPlane`, and whether to start kwok too. */
export interface UseControlPlaneOptions extends ControlPlaneOptions {
  /** Start kwok against it (`true` for defaults). */
  kwok?: KwokOptions | boolean;
}

/**
 * The one call a node:test file makes: starts a control plane (and kwok) in a `before` hook, marks
 * it failed when any test of the file fails (so its component logs are kept and their place
 * printed), and stops it in an `after` hook. Call at the top level of the file; the returned
 * function gives the running control plane inside tests.
 *
 * @example
 * const cluster = useControlPlane({ kwok: true });
 * test("…", async () => { const nodes = await cluster().kube.request({ method: "GET", path: "/api/v1/nodes" }); … });
 */
export function useControlPlane(options: UseControlPlaneOptions = {}): () => ControlPlane {
  let cp: ControlPlane | undefined;
  before(async () => {
    cp = await startControlPlane(options);
    try {
      if (options.kwok) await startKwok(cp, options.kwok === true ? {} : options.kwok);
    } catch (err) {
      cp.markFailed();
      throw err;
    }
  });
  afterEach((t) => {
    if ("passed" in t && !t.passed) cp?.markFailed();
  });
  after(async () => {
    await cp?.stop();
  });
  return () => {
    if (!cp)
      throw new BasaltError(
        "failed_precondition",
        "the control plane is not started yet (use it inside tests, not at load time)",
      );
    return cp;
  };
}
