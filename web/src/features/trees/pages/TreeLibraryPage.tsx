import { useState } from 'react';
import { Link } from 'react-router';

import { useSearchText, useUrlFilters } from '../../../lib/lists/hooks';
import type { FilterSpec } from '../../../lib/lists/urlFilters';
import { type Choice, Field, FormErrors, SelectField } from '../../../ui/forms';
import { PagedList } from '../../../ui/lists';
import { usePageTitle } from '../../../ui/page';
import { useCurrentUser } from '../../auth/hooks';
import { insightsOverviewPath } from '../../insights/paths';
import { ImportTreeButton } from '../components/ImportTreeButton';
import { EmptySearch } from '../components/EmptySearch';
import { EmptySearchesPanel } from '../components/EmptySearchesPanel';
import { NewTreeForm } from '../components/NewTreeForm';
import { TemplatePicker } from '../components/TemplatePicker';
import { TreeActions } from '../components/TreeActions';
import { TreeCard } from '../components/TreeCard';
import { useCategories, useLibrary, useTags, type LibraryFilters, type TreeSort } from '../hooks';

const STATUSES: Choice[] = [
  { value: 'published', label: 'Published' },
  { value: 'draft', label: 'Draft' },
  { value: 'archived', label: 'Archived' },
];

const SORTS: { value: TreeSort; label: string }[] = [
  { value: 'updated', label: 'Recently changed' },
  { value: 'title', label: 'Title' },
  { value: 'most_used', label: 'Most used' },
];

/** The library's filters as the address holds them (`/trees?q=pump&status=draft`). */
interface LibraryQuery extends Record<string, string> {
  q: string;
  category: string;
  tag: string;
  status: string;
  sort: string;
}

const LIBRARY_SPEC: FilterSpec<LibraryQuery> = {
  q: 'text',
  category: 'uuid',
  tag: 'text',
  status: STATUSES.map((s) => s.value),
  sort: SORTS.map((s) => s.value),
};
const LIBRARY_DEFAULTS: LibraryQuery = { q: '', category: '', tag: '', status: '', sort: 'updated' };

export function TreeLibraryPage() {
  usePageTitle('Tree library');
  const me = useCurrentUser();
  const role = me.data?.membership?.role;
  const isAuthor = role === 'admin' || role === 'engineer';
  const [creating, setCreating] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [importErrors, setImportErrors] = useState<string[]>([]);
  const [query, setQuery] = useUrlFilters(LIBRARY_SPEC, LIBRARY_DEFAULTS);
  const { text, setText } = useSearchText(query.q, (q) => setQuery({ q }), 250);
  const q = query.q;
  const filters: LibraryFilters = {
    q,
    categoryId: query.category,
    tag: query.tag,
    status: query.status as LibraryFilters['status'],
    sort: query.sort as TreeSort,
  };
  const library = useLibrary(filters);
  const categories = useCategories();
  const tags = useTags();

  return (
    <>
      <div className="page-header">
        <h1>Tree library</h1>
        {isAuthor && (
          <div className="actions">
            {!creating && (
              <button type="button" className="button primary" onClick={() => setCreating(true)}>
                New tree
              </button>
            )}
            <TemplatePicker />
            <ImportTreeButton onErrors={setImportErrors} />
            <Link className="button" to={insightsOverviewPath}>
              Analytics
            </Link>
          </div>
        )}
      </div>
      <FormErrors messages={importErrors} />
      {message && (
        <p className="notice success" role="status">
          {message}
        </p>
      )}
      {creating && <NewTreeForm onCancel={() => setCreating(false)} />}
      <search className="filters" aria-label="Filter trees">
        <Field
          label="Search trees"
          className="field filter-search"
          type="search"
          value={text}
          placeholder="Title, tag, symptom…"
          onChange={(e) => setText(e.target.value)}
        />
        <SelectField
          label="Category"
          value={filters.categoryId}
          onChange={(e) => setQuery({ category: e.target.value })}
          options={categories.data?.map((c) => ({ value: c.id, label: `${c.name} (${c.tree_count})` }))}
        >
          <option value="">All categories</option>
        </SelectField>
        <SelectField
          label="Tag"
          value={filters.tag}
          onChange={(e) => setQuery({ tag: e.target.value })}
          options={tags.data?.map((t) => ({ value: t.name, label: `${t.name} (${t.usage_count})` }))}
        >
          <option value="">All tags</option>
        </SelectField>
        {isAuthor && (
          <SelectField
            label="Status"
            value={filters.status}
            onChange={(e) => setQuery({ status: e.target.value })}
            options={STATUSES}
          >
            <option value="">Any status</option>
          </SelectField>
        )}
        <SelectField
          label="Sort by"
          value={filters.sort}
          disabled={!!q.trim()}
          title={q.trim() ? 'Search results are sorted by relevance' : undefined}
          onChange={(e) => setQuery({ sort: e.target.value })}
          options={SORTS}
        />
      </search>
      <PagedList
        list={library}
        loadingLabel="Loading trees…"
        empty={
          q.trim() ? (
            <EmptySearch filters={filters} onSearch={setText} />
          ) : filters.categoryId || filters.tag || filters.status ? (
            'No tree matches these filters.'
          ) : isAuthor ? (
            'No trees yet. Create the first one with “New tree”.'
          ) : (
            'No published trees yet.'
          )
        }
      >
        <ul className="tree-grid" aria-label="Trees">
          {library.items.map((item) => (
            <TreeCard
              key={item.tree.id}
              item={item}
              canEdit={isAuthor}
              actions={isAuthor && <TreeActions tree={item.tree} onDone={setMessage} />}
            />
          ))}
        </ul>
      </PagedList>
      {isAuthor && <EmptySearchesPanel onSearch={setText} />}
    </>
  );
}
