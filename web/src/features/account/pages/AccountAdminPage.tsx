import { Link } from 'react-router';

import { usePageTitle } from '../../../ui/page';
import { useCurrentUser } from '../../auth/hooks';
import { EscalationCard } from '../components/EscalationCard';
import { AccountTabs } from '../components/AccountTabs';
import { InvitesPanel } from '../components/InvitesPanel';
import { MembersList } from '../components/MembersList';
import { PlanCard } from '../components/PlanCard';

export function AccountAdminPage() {
  usePageTitle('Account');
  const me = useCurrentUser();
  const isAdmin = me.data?.membership?.role === 'admin';
  return (
    <>
      <h1>{me.data?.account?.name ?? 'Account'}</h1>
      {isAdmin && <AccountTabs />}
      <div className="stack">
        <PlanCard isAdmin={isAdmin} />
        <MembersList canManage={isAdmin} myUserId={me.data?.user.id ?? null} />
        <EscalationCard canManage={isAdmin} />
        {isAdmin && <InvitesPanel />}
        {isAdmin && (
          <p>
            <Link to="/account/integrations">Webhooks and embedding</Link>
          </p>
        )}
      </div>
    </>
  );
}
