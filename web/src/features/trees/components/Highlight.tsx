import type { HighlightPart } from '../hooks';

/** Text with the matched parts in <mark>. */
export function Highlight({ parts }: { parts: readonly HighlightPart[] }) {
  return (
    <>
      {parts.map((part, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts never move
        part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
      )}
    </>
  );
}
