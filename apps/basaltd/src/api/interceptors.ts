import { authorize, fromConnectError, toConnectError } from "@basalt/api";
import { BasaltError } from "@basalt/machinery";
import { Code, ConnectError, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import type { ApiMetrics } from "../audit/api-metrics.ts";
import { type AuditCall, auditCallKey } from "../audit/audit-call.ts";
import { reasonText, strongestRole, targetOf } from "../audit/audit-record.ts";
import type { AuditTrail } from "../audit/audit-trail.ts";
import { authenticate } from "./authenticate.ts";
import type { Limiter } from "./limits.ts";
import { type Peer, peerId, peerKey } from "./peer.ts";

/** The per-call limits the gate applies (connections are counted by the connection guard). */
export interface CallLimits {
  calls: Limiter;
  follow: Limiter;
  fileReads: Limiter;
}

export interface GateDeps {
  audit: AuditTrail;
  metrics: ApiMetrics;
  limits: CallLimits;
}

/** RPCs whose work is a file read on the node: they share the in-flight file-read limit. */
const fileRpcs = new Set(["basalt.machine.v1.FileService/Read", "basalt.machine.v1.FileService/List"]);

type Outcome = { result: string; reason: string };

function outcomeOf(err: unknown): Outcome {
  const e = fromConnectError(toConnectError(err));
  return { result: e.code, reason: reasonText(e.message) };
}

/** Ends the call's record exactly once: releases its limits, writes the audit record. */
function finish(deps: GateDeps, call: AuditCall & { outcome?: Outcome }, reason?: unknown): void {
  if (call.done) return;
  call.done = true;
  for (const release of call.release) release();
  const outcome =
    call.outcome ??
    (reason instanceof ConnectError || reason instanceof BasaltError
      ? outcomeOf(reason)
      : { result: "canceled", reason: "the client went away" });
  call.record.result = outcome.result;
  call.record.reason = outcome.result === "ok" ? "" : outcome.reason;
  if (call.refusal && outcome.result !== "ok") {
    call.record.result = call.refusal.result;
    call.record.reason = `${call.refusal.reason} (caller told: ${outcome.result})`;
  }
  call.record.durationMs = Date.now() - call.started;
  const result = call.record.result;
  if (result === "permission_denied" || result === "resource_exhausted")
    deps.metrics.refused(result === "resource_exhausted" ? "limit" : "permission_denied");
  deps.audit.write(call.record);
}

/**
 * Runs after the request headers, before any request message is read: authenticate the TLS peer,
 * authorize the procedure against the table, take the call's limits, and open its audit record.
 * The record is written when the call ends (the handler context's abort signal fires for every
 * call, whatever way it ends), so unary and streaming calls, refusals and failures alike leave
 * exactly one record.
 */
export function requestGate(deps: GateDeps): (context: HandlerContext) => void {
  return (context) => {
    const procedure = `${context.service.typeName}/${context.method.name}`;
    const peer = context.values.get(peerKey);
    const call: AuditCall & { outcome?: Outcome; peer: string; admin: boolean } = {
      record: {
        time: new Date().toISOString(),
        subject: peer?.commonName ?? "",
        serial: peer?.serial ?? "",
        role: "",
        rpc: procedure,
        target: "",
        result: "",
        reason: "",
        address: peer?.address ?? "",
        durationMs: 0,
      },
      started: Date.now(),
      done: false,
      release: [],
      peer: peerId(peer),
      admin: false,
    };
    context.values.set(auditCallKey, call);
    context.signal.addEventListener(
      "abort",
      () => {
        const reason: unknown = context.signal.reason;
        // connect-es reports an undecodable request body as Internal before any interceptor runs;
        // it is the caller's bad input. The error is serialized right after this listener returns.
        if (
          reason instanceof ConnectError &&
          reason.code === Code.Internal &&
          /^parse binary:/.test(reason.rawMessage)
        ) {
          (reason as { code: Code }).code = Code.InvalidArgument;
        }
        finish(deps, call, reason);
      },
      { once: true },
    );
    try {
      admit(deps, call, peer);
    } catch (err) {
      // Thrown before any interceptor: connect-es serializes only ConnectErrors faithfully.
      throw toConnectError(err);
    }
  };
}

function admit(
  deps: GateDeps,
  call: AuditCall & { peer: string; admin: boolean },
  peer: Peer | undefined,
): void {
  const procedure = call.record.rpc;
  const roles = authenticate(peer);
  call.record.role = strongestRole(roles);
  if (peer?.validToMs !== undefined && peer.validToMs < Date.now()) {
    throw new BasaltError(
      "unauthenticated",
      `client certificate "${peer.commonName}" expired on ${peer.validTo}`,
      {
        hint: "ask an admin for a new client config: basaltctl gen client --role <role>",
      },
    );
  }
  const decision = authorize(procedure, roles);
  if (!decision.allowed) {
    throw new BasaltError("permission_denied", decision.reason, {
      hint: decision.needed.length
        ? `a client config with role ${decision.needed.at(-1)} or higher is needed`
        : undefined,
    });
  }
  call.admin = roles.includes("os:admin");
  call.release.push(deps.limits.calls.take(call.peer, call.admin));
  if (fileRpcs.has(procedure)) call.release.push(deps.limits.fileReads.take(call.peer, call.admin));
}

/**
 * Wraps every call the gate let through: records the target from the request (an allow-list of
 * fields, secrets removed), takes a follow-stream slot for `follow` requests, and normalizes every
 * error (also those thrown mid-stream) into a bounded ConnectError whose code becomes the result.
 */
export function gateInterceptor(deps: GateDeps): Interceptor {
  return (next) => async (req) => {
    const call = req.contextValues.get(auditCallKey) as
      | (AuditCall & { outcome?: Outcome; peer: string; admin: boolean })
      | undefined;
    if (!call) throw new BasaltError("internal", "call reached a handler without passing the gate");
    const onRequest = (message: unknown) => {
      call.record.target = targetOf(message);
      if ((message as { follow?: unknown } | undefined)?.follow === true) {
        call.release.push(deps.limits.follow.take(call.peer, call.admin));
      }
    };
    try {
      if (!req.stream) {
        onRequest(req.message);
        const res = await next(req);
        call.outcome = { result: "ok", reason: "" };
        finish(deps, call);
        return res;
      }
      const res = await next({ ...req, message: tapFirst(req.message, onRequest) });
      if (!res.stream) return res;
      return { ...res, message: watchStream(res.message, deps, call) };
    } catch (err) {
      const e = toConnectError(err);
      call.outcome = outcomeOf(e);
      finish(deps, call);
      throw e;
    }
  };
}

/** Hands the first request message to `see` as it passes (it may throw to refuse the call). */
async function* tapFirst<T>(messages: AsyncIterable<T>, see: (m: T) => void): AsyncIterable<T> {
  let first = true;
  for await (const m of messages) {
    if (first) {
      first = false;
      see(m);
    }
    yield m;
  }
}

async function* watchStream<T>(
  messages: AsyncIterable<T>,
  deps: GateDeps,
  call: AuditCall & { outcome?: Outcome },
): AsyncIterable<T> {
  try {
    yield* messages;
    call.outcome = { result: "ok", reason: "" };
  } catch (err) {
    const e = toConnectError(err);
    call.outcome = outcomeOf(e);
    throw e;
  } finally {
    call.outcome ??= { result: "canceled", reason: "the client went away" };
    finish(deps, call);
  }
}
