import {
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  setHeaderOptions,
} from "@kubernetes/client-node";

/**
 * Per-call options that abort the HTTP request when `signal` fires. The generated client has no
 * timeout or cancellation parameter; its RequestContext does carry a fetch signal, set here by a
 * middleware. Leader election bounds every call by its renew deadline this way.
 */
export function withSignal(
  signal: AbortSignal,
  options?: ConfigurationOptions<ObservableMiddleware>,
): ConfigurationOptions<ObservableMiddleware> {
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
  };
  return {
    ...options,
    middleware: [...(options?.middleware ?? []), middleware],
    middlewareMergeStrategy: "append",
  };
}

/**
 * Per-call options for a JSON merge patch (RFC 7386). The client's patch methods send
 * `application/json-patch+json` unless told otherwise, which expects a list of operations: a
 * merge-patch object sent that way is rejected. So every patch names its content type.
 */
export function mergePatchOptions(
  options?: ConfigurationOptions<ObservableMiddleware>,
): ConfigurationOptions<ObservableMiddleware> {
  return setHeaderOptions("Content-Type", PatchStrategy.MergePatch, options);
}
