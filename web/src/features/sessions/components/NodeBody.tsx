import { lazy, Suspense } from 'react';

// Markdown rendering is its own chunk: the library and quick start load without it.
const Markdown = lazy(() => import('./Markdown').then((m) => ({ default: m.Markdown })));

/** A node's Markdown body (the text as it is while the renderer loads). */
export function NodeBody({ body }: { body: string }) {
  if (!body) return null;
  return (
    <Suspense fallback={<p className="markdown pre-wrap">{body}</p>}>
      <Markdown>{body}</Markdown>
    </Suspense>
  );
}
