import type { Kube } from "./kube-client.ts";

/** What `listPages` asks for: a collection path and optional selectors. */
export interface ListQuery {
  /** Collection path, e.g. /api/v1/nodes. */
  path: string;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Objects per page; default 500 (the apiserver's chunking keeps each answer bounded). */
  pageSize?: number;
  timeoutMs?: number;
}

/**
 * A paginated LIST (`limit` + `continue`), one page at a time: `onPage` sees each page's items, so
 * memory stays one page deep. Resolves with the list's resourceVersion (where a watch continues).
 */
export async function listPages(
  kube: Kube,
  query: ListQuery,
  onPage: (items: readonly unknown[]) => void,
): Promise<string> {
  let cont: string | undefined;
  let version = "";
  do {
    const page = await kube.request<{
      items: unknown[];
      metadata: { resourceVersion?: string; continue?: string };
    }>({
      method: "GET",
      path: query.path,
      query: {
        labelSelector: query.labelSelector,
        fieldSelector: query.fieldSelector,
        limit: query.pageSize ?? 500,
        continue: cont,
      },
      ...(query.timeoutMs === undefined ? {} : { timeoutMs: query.timeoutMs }),
    });
    onPage(page.items ?? []);
    cont = page.metadata?.continue || undefined;
    version = page.metadata?.resourceVersion ?? version;
  } while (cont);
  return version;
}

/** Every object of a collection, each passed through `transform` (undefined drops it). */
export async function listAll<T>(
  kube: Kube,
  query: ListQuery,
  transform: (raw: unknown) => T | undefined,
): Promise<T[]> {
  const out: T[] = [];
  await listPages(kube, query, (items) => {
    for (const raw of items) {
      const obj = transform(raw);
      if (obj !== undefined) out.push(obj);
    }
  });
  return out;
}
