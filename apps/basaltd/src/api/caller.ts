import type { HandlerContext } from "@connectrpc/connect";
import { mayReadSecrets } from "../redact.ts";
import { authenticate } from "./authenticate.ts";
import { peerKey } from "./peer.ts";

/**
 * Whether the caller may see secrets (argv, URL query strings): admins may, operators and
 * readers may not. Unauthenticated callers never reach a handler (the gate refuses them); they see nothing.
 */
export function callerMaySeeSecrets(call: HandlerContext): boolean {
  try {
    return mayReadSecrets(authenticate(call.values.get(peerKey)));
  } catch {
    return false;
  }
}
