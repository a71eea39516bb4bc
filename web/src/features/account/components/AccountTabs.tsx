import { NavLink } from 'react-router';

const LINKS = [
  { to: '/account', label: 'Members and plan' },
  { to: '/account/api-keys', label: 'API keys' },
  { to: '/account/audit', label: 'Audit log' },
] as const;

/** The pages of account administration (shown to admins). */
export function AccountTabs() {
  return (
    <nav className="subnav" aria-label="Account administration">
      {LINKS.map((link) => (
        <NavLink key={link.to} to={link.to} className="subnav-link" end>
          {link.label}
        </NavLink>
      ))}
    </nav>
  );
}
