// The API escapes intake values for Markdown everywhere it interpolates them, titles and option
// labels included (`SN-42` -> `SN\-42`). Bodies are rendered as Markdown, which removes the
// escapes; titles and labels are shown as plain text, so the escapes are removed here.

const ESCAPED_PUNCTUATION = /\\([!-/:-@[-`{-~])/g;

export function plainText(markdownEscaped: string): string {
  return markdownEscaped.replace(ESCAPED_PUNCTUATION, '$1');
}
