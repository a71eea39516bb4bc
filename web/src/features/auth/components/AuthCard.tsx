import type { ReactNode } from 'react';

/** The frame of the signed-out pages: a single column that fits a phone. */
export function AuthCard({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="auth-card">
      <h1>{title}</h1>
      {children}
      {footer && <div className="auth-footer">{footer}</div>}
    </div>
  );
}
