import { describeError } from '../../../lib/api/errors';
import { FormErrors } from '../../../ui/forms';
import { Loading, Section } from '../../../ui/page';
import { useAccount } from '../hooks';

function limit(value: number | null | undefined): string {
  return value === null || value === undefined ? 'unlimited' : String(value);
}

export function PlanCard() {
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
            <dd>
              {account.data.usage.members} of {limit(account.data.usage.max_members)}
              {account.data.usage.max_members !== null && (
                <meter
                  min={0}
                  max={account.data.usage.max_members}
                  value={account.data.usage.members}
                  aria-label="Members used"
                />
              )}
            </dd>
          </div>
          <div>
            <dt>Trees</dt>
            <dd>up to {limit(account.data.plan.max_trees)}</dd>
          </div>
        </dl>
      )}
    </Section>
  );
}
