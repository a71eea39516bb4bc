import { useCallback, useState } from 'react';

import { describeError } from '../../../lib/api/errors';
import { useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { Loading, Section } from '../../../ui/page';
import { Toast } from '../../../ui/Toast';
import { ROLES, useChangeRole, useMembers, useRemoveMember, type MemberRead, type Role } from '../hooks';

/** A role changed, with the one it replaced (for Undo). */
interface RoleChange {
  member: MemberRead;
  from: Role;
  to: Role;
}

function MemberRow({
  member,
  canManage,
  isMe,
  onRoleChanged,
}: {
  member: MemberRead;
  canManage: boolean;
  isMe: boolean;
  onRoleChanged: (change: RoleChange) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const changeRole = useChangeRole();
  const remove = useRemoveMember();
  // Choosing a role applies it at once; the toast offers Undo.
  const [choosing, setChoosing] = useState<Role | null>(null);
  const saveRole = useSingleFlight(async (role: Role) => {
    if (role === member.role) return;
    setChoosing(role);
    try {
      await changeRole.mutateAsync({ userId: member.user_id, role });
      onRoleChanged({ member, from: member.role, to: role });
    } finally {
      setChoosing(null);
    }
  });
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
        <div className="member-actions">
          <label htmlFor={selectId} className="visually-hidden">
            Role of {member.full_name}
          </label>
          <select
            id={selectId}
            value={choosing ?? member.role}
            aria-busy={saveRole.busy || undefined}
            onChange={(e) => saveRole.run(e.target.value as Role)}
          >
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          {saveRole.busy && <span className="muted">Saving…</span>}
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
        </div>
      ) : (
        <span className="role">{member.role}</span>
      )}
      {errors.length > 0 && <FormErrors messages={errors} />}
    </li>
  );
}

export function MembersList({ canManage, myUserId }: { canManage: boolean; myUserId: string | null }) {
  const members = useMembers();
  const [changed, setChanged] = useState<RoleChange | null>(null);
  const undoRole = useChangeRole();
  const undo = useSingleFlight(async (change: RoleChange) => {
    await undoRole.mutateAsync({ userId: change.member.user_id, role: change.from });
    setChanged(null);
  });
  const dismiss = useCallback(() => setChanged(null), []);
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
              onRoleChanged={setChanged}
            />
          ))}
        </ul>
      )}
      <FormErrors messages={describeError(undoRole.error).general} />
      {changed && (
        <Toast
          key={`${changed.member.user_id}:${changed.to}`}
          message={`${changed.member.full_name} is now ${changed.to}.`}
          action={{ label: undo.busy ? 'Undoing…' : 'Undo', run: () => undo.run(changed) }}
          onDismiss={dismiss}
        />
      )}
    </Section>
  );
}
