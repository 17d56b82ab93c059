import { redactToken } from "@basalt/machinery";
import type { JoinCheckResult } from "./kube-node-ports.ts";

/** What the probe saw: an HTTP status, or the transport error's code and message. */
export type ApiserverAnswer = { status: number } | { error: { code?: string; message: string } };

/** The request the join check makes: one the bootstrap token's group (system:bootstrappers) may do. */
export const joinCheckPath = "/apis/certificates.k8s.io/v1/certificatesigningrequests?limit=1";

/**
 * Turns the apiserver's answer to the bootstrap token into a verdict a person can act on. The
 * token's secret half never appears in the message.
 */
export function describeJoinAnswer(
  endpoint: string,
  token: string,
  answer: ApiserverAnswer,
): JoinCheckResult {
  const who = `bootstrap token ${redactToken(token)}`;
  if ("status" in answer) {
    if (answer.status >= 200 && answer.status < 300)
      return { ok: true, message: `the apiserver at ${endpoint} accepts the ${who}` };
    if (answer.status === 401)
      return {
        ok: false,
        message: `the apiserver at ${endpoint} rejected the ${who} (401 Unauthorized): the token is wrong, expired or not in the cluster; fix kubernetes.bootstrapToken or create the token's Secret in kube-system`,
      };
    if (answer.status === 403)
      return {
        ok: false,
        message: `the apiserver at ${endpoint} knows the ${who} but forbids it to file certificate requests (403): bind the system:node-bootstrapper ClusterRole to system:bootstrappers`,
      };
    return { ok: false, message: `the apiserver at ${endpoint} answered ${answer.status} to the ${who}` };
  }
  const { code, message } = answer.error;
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
    return {
      ok: false,
      message: `the apiserver at ${endpoint} presented a certificate that kubernetes.ca does not verify (${code}): is kubernetes.ca the cluster's CA?`,
    };
  return {
    ok: false,
    message: `cannot reach the apiserver at ${endpoint} (${code ?? message}): check kubernetes.endpoint and the network`,
  };
}
