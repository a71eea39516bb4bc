import { Link } from 'react-router';

import { isApiError } from '../lib/api/errors';
import { usePageTitle } from './page';

/** "Not found" inside the page's layout, with a way back: for an unknown address, and for an id
 * that names nothing (malformed, deleted, or another team's). */
export function NotFound({
  title = 'Page not found',
  message = 'There is nothing at this address.',
  back = { to: '/', label: 'Go to the tree library' },
}: {
  title?: string;
  message?: string;
  back?: { to: string; label: string };
}) {
  usePageTitle(title);
  return (
    <section className="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{title}</h1>
      <p>{message}</p>
      <p>
        <Link className="button" to={back.to}>
          {back.label}
        </Link>
      </p>
    </section>
  );
}

/** What a page says when the tree or session of its address does not exist. */
export const NOT_FOUND = {
  tree: {
    title: 'Tree not found',
    message: 'This tree does not exist, is not published yet, or belongs to another team.',
    back: { to: '/trees', label: 'Go to the tree library' },
  },
  session: {
    title: 'Session not found',
    message: 'This session does not exist, or it belongs to another team.',
    back: { to: '/sessions', label: 'Go to the session history' },
  },
};

/** The API said the thing does not exist (404), or the id was not one it could read (422 on
 * the path): the same "not found" for the person who followed the link. */
export function isNotFound(error: unknown): boolean {
  return (
    isApiError(error, 404) ||
    (isApiError(error, 422) && error.errors.some((e) => !e.field || e.field.startsWith('path')))
  );
}
