import { useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { Loading, Section } from '../../../ui/page';
import { ROLES, useChangeRole, useMembers, useRemoveMember, type MemberRead, type Role } from '../hooks';

function MemberRow({ member, canManage, isMe }: { member: MemberRead; canManage: boolean; isMe: boolean }) {
  const [role, setRole] = useState<Role>(member.role);
  const [confirming, setConfirming] = useState(false);
  const changeRole = useChangeRole();
  const remove = useRemoveMember();
  const saveRole = useSingleFlight(() => changeRole.mutateAsync({ userId: member.user_id, role }));
  const doRemove = useSingleFlight(() => remove.mutateAsync(member.user_id));
  const errors = [...describeError(changeRole.error).general, ...describeError(remove.error).general];
  const selectId = `role-${member.user_id}`;

  return (
    <li className="member">
      <div className="member-who">
        <strong>
          {member.full_name}
          {isMe && ' (you)'}
        </strong>
        <span className="muted">{member.email}</span>
        <span className="badges">
          {!member.email_verified && <span className="badge">email not verified</span>}
          {!member.is_active && <span className="badge">deactivated</span>}
        </span>
      </div>
      {canManage ? (
        <form
          className="member-actions"
          onSubmit={(event) => {
            event.preventDefault();
            if (role !== member.role) saveRole.run();
          }}
        >
          <label htmlFor={selectId} className="visually-hidden">
            Role of {member.full_name}
          </label>
          <select id={selectId} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {role !== member.role && (
            <button type="submit" className="button small primary" aria-disabled={saveRole.busy || undefined}>
              {saveRole.busy ? 'Saving…' : 'Change role'}
            </button>
          )}
          {confirming ? (
            <>
              <button type="button" className="button small danger" onClick={() => doRemove.run()}>
                {doRemove.busy ? 'Removing…' : `Remove ${member.full_name}`}
              </button>
              <button type="button" className="button small" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" className="button small" onClick={() => setConfirming(true)}>
              Remove
            </button>
          )}
        </form>
      ) : (
        <span className="role">{member.role}</span>
      )}
      {errors.length > 0 && <FormErrors messages={errors} />}
    </li>
  );
}

export function MembersList({ canManage, myUserId }: { canManage: boolean; myUserId: string | null }) {
  const members = useMembers();
  return (
    <Section title="Members">
      {members.isPending && <Loading />}
      {members.isError && <FormErrors messages={describeError(members.error).general} />}
      {members.data && (
        <ul className="members">
          {members.data.map((member) => (
            <MemberRow
              key={`${member.user_id}:${member.role}`}
              member={member}
              canManage={canManage}
              isMe={member.user_id === myUserId}
            />
          ))}
        </ul>
      )}
    </Section>
  );
}
