import type { ReactNode } from 'react';
import { Link } from 'react-router';

import { startPath } from '../../../app/paths';
import { insightsPath } from '../../insights/paths';
import type { LibraryItem } from '../hooks';
import { Highlight } from './Highlight';

const STATUS_LABEL: Record<string, string> = {
  published: 'Published',
  draft: 'Draft',
  archived: 'Archived',
};

export function TreeCard({
  item,
  canEdit,
  actions,
}: {
  item: LibraryItem;
  canEdit: boolean;
  /** More actions (authors): export, duplicate, archive, delete. */
  actions?: ReactNode;
}) {
  const { tree } = item;
  const runnable = tree.status === 'published' && tree.current_version !== null;
  const titleId = `tree-${tree.id}-title`;
  return (
    <li className="tree-card" aria-labelledby={titleId}>
      <div className="tree-card-top">
        <h2 id={titleId} className="tree-card-title">
          {item.titleHighlight ? <Highlight parts={item.titleHighlight} /> : tree.title}
        </h2>
        <span className={`badge status-${tree.status}`}>{STATUS_LABEL[tree.status] ?? tree.status}</span>
      </div>
      {item.snippet && item.snippet.length > 0 ? (
        <p className="tree-card-text">
          <Highlight parts={item.snippet} />
        </p>
      ) : (
        tree.description && <p className="tree-card-text">{tree.description}</p>
      )}
      <p className="tree-card-meta muted">
        {tree.category && <span>{tree.category.name}</span>}
        <span>
          Used {tree.usage_count} {tree.usage_count === 1 ? 'time' : 'times'}
        </span>
        {tree.current_version && <span>v{tree.current_version.number}</span>}
      </p>
      {tree.tags.length > 0 && (
        <ul className="badges" aria-label="Tags">
          {tree.tags.map((tag) => (
            <li key={tag} className="badge">
              {tag}
            </li>
          ))}
        </ul>
      )}
      <div className="actions">
        {runnable && (
          // The start screen: nothing is created until the first answer.
          <Link className="button primary small" to={startPath(tree.id)} aria-label={`Start ${tree.title}`}>
            Start
          </Link>
        )}
        {canEdit && (
          <Link className="button small" to={`/trees/${tree.id}/edit`} aria-label={`Edit ${tree.title}`}>
            Edit
          </Link>
        )}
        {canEdit && tree.current_version && (
          <Link className="button small" to={insightsPath(tree.id)} aria-label={`Analytics of ${tree.title}`}>
            Analytics
          </Link>
        )}
        {actions}
      </div>
    </li>
  );
}
