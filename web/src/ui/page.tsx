import { useEffect, type ReactNode } from 'react';

/** Sets the document title for a page: "Sign in · TroubleTree". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · TroubleTree`;
  }, [title]);
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status">
      {label}
    </p>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <div className="card-header">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
