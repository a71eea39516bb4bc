import { describeError } from '../../../lib/api/errors';
import { FormErrors } from '../../../ui/forms';
import { Loading, Section } from '../../../ui/page';
import { StorageUsageRow } from '../../attachments/components/StorageUsageRow';
import { useAccount } from '../hooks';

/** "3 of 100 trees", with a meter when there is a limit. */
function Use({ used, max, noun }: { used: number; max: number | null | undefined; noun: string }) {
  const limited = max !== null && max !== undefined;
  return (
    <dd>
      {limited ? `${used} of ${max} ${noun}` : `${used} ${noun} (no limit)`}
      {limited && <meter min={0} max={max} value={used} aria-label={`${noun} used`} />}
    </dd>
  );
}

export function PlanCard({ isAdmin = false }: { isAdmin?: boolean }) {
  const account = useAccount();
  return (
    <Section title="Plan and usage">
      {account.isPending && <Loading />}
      {account.isError && <FormErrors messages={describeError(account.error).general} />}
      {account.data && (
        <dl className="facts">
          <div>
            <dt>Team</dt>
            <dd>{account.data.name}</dd>
          </div>
          <div>
            <dt>Plan</dt>
            <dd>{account.data.plan.name}</dd>
          </div>
          <div>
            <dt>Members</dt>
            <Use used={account.data.usage.members} max={account.data.usage.max_members} noun="members" />
          </div>
          <div>
            <dt>Trees</dt>
            <Use used={account.data.usage.trees} max={account.data.usage.max_trees} noun="trees" />
          </div>
          <StorageUsageRow enabled={isAdmin} />
        </dl>
      )}
    </Section>
  );
}
