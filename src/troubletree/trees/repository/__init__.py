"""Every query of the trees domain, one module per subject: `trees` (trees and versions),
`search` (search vectors and the search statement), `tags`, `categories`.

Account-owned rows (trees, categories, tags) are narrowed to the caller's account by
`core.queries.scoped()` and nowhere else; link rows (tree_tags) and versions are only reached
through a tree id that a scoped query returned in the same transaction."""
