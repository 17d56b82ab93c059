import { request } from "node:https";
import type { KubernetesConfig } from "@basalt/machinery";
import { type ApiserverAnswer, describeJoinAnswer, joinCheckPath } from "../../kubernetes/join-check.ts";
import type { JoinCheckResult } from "../../kubernetes/kube-node-ports.ts";

/**
 * Asks the apiserver, with the bootstrap token and the cluster CA from the machine config, for the
 * one thing the token's group may do (list CSRs), so a wrong token, CA or endpoint becomes one clear
 * event before kubelet starts failing on it.
 */
export async function checkBootstrapToken(k8s: KubernetesConfig, timeoutMs = 5000): Promise<JoinCheckResult> {
  const answer = await new Promise<ApiserverAnswer>((resolve) => {
    const req = request(
      new URL(joinCheckPath, k8s.endpoint),
      { ca: k8s.ca, headers: { authorization: `Bearer ${k8s.bootstrapToken}` }, timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on("timeout", () =>
      req.destroy(Object.assign(new Error(`no answer in ${timeoutMs} ms`), { code: "ETIMEDOUT" })),
    );
    req.on("error", (err: NodeJS.ErrnoException) =>
      resolve({ error: { code: err.code, message: err.message } }),
    );
    req.end();
  });
  return describeJoinAnswer(k8s.endpoint, k8s.bootstrapToken, answer);
}
