// Every API call of account administration. Components use these hooks, never the client.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  accountCreateAccountInvite,
  accountRemoveMember,
  accountRevokeAccountInvite,
  accountUpdateAccount,
  accountUpdateMember,
  type AccountInviteCreate,
  type AccountUpdate,
  type Role,
} from '../../client';
import {
  accountListAccountInvitesOptions,
  accountListAccountInvitesQueryKey,
  accountListMembersOptions,
  accountListMembersQueryKey,
  accountReadAccountOptions,
  accountReadAccountQueryKey,
} from '../../client/@tanstack/react-query.gen';

export type { AccountDetail, AccountInviteCreated, AccountInviteRead, MemberRead, Role } from '../../client';

export const ROLES: readonly Role[] = ['technician', 'engineer', 'admin'];

/** The account with its plan and usage. */
export function useAccount() {
  return useQuery(accountReadAccountOptions());
}

export function useMembers() {
  return useQuery(accountListMembersOptions());
}

/** Invites are for administrators only: pass `enabled: false` for other roles. */
export function useInvites(enabled: boolean) {
  return useQuery({ ...accountListAccountInvitesOptions(), enabled });
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return (...keys: readonly unknown[][]) =>
    Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

export function useCreateInvite() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (body: AccountInviteCreate) =>
      (await accountCreateAccountInvite({ body, throwOnError: true })).data,
    onSuccess: () => invalidate(accountListAccountInvitesQueryKey()),
  });
}

export function useRevokeInvite() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (inviteId: string) =>
      (await accountRevokeAccountInvite({ path: { invite_id: inviteId }, throwOnError: true })).data,
    onSuccess: () => invalidate(accountListAccountInvitesQueryKey()),
  });
}

export function useChangeRole() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async ({ userId, role }: { userId: string; role: Role }) =>
      (await accountUpdateMember({ path: { user_id: userId }, body: { role }, throwOnError: true })).data,
    onSuccess: () => invalidate(accountListMembersQueryKey()),
  });
}

export function useRemoveMember() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (userId: string) => {
      await accountRemoveMember({ path: { user_id: userId }, throwOnError: true });
    },
    onSuccess: () => invalidate(accountListMembersQueryKey(), accountReadAccountQueryKey()),
  });
}

/** Account settings (admins): the escalation address. */
export function useUpdateAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: AccountUpdate) => (await accountUpdateAccount({ body, throwOnError: true })).data,
    onSuccess: (account) => queryClient.setQueryData(accountReadAccountQueryKey(), account),
  });
}
