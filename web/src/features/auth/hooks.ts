// Every API call of the auth feature. Components use these hooks, never the client directly.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  authCheckEmailVerification,
  authCheckPasswordReset,
  authConfirmEmailVerification,
  authConfirmPasswordReset,
  authLoginJson,
  authRegister,
  authRequestPasswordReset,
  authSendVerificationEmail,
  invitesPreviewInvite,
  type RegisterRequest,
  type TokenStatus,
} from '../../client';
import { authReadMeOptions, authReadMeQueryKey } from '../../client/@tanstack/react-query.gen';
import { useAuth } from '../../lib/auth/AuthProvider';

export { useAuth };

/** The signed-in user, their account and role (null while signed out). */
export function useCurrentUser() {
  const { status } = useAuth();
  return useQuery({ ...authReadMeOptions(), enabled: status === 'signed-in', staleTime: 60_000 });
}

export const currentUserKey = authReadMeQueryKey;

async function login(email: string, password: string) {
  const { data } = await authLoginJson({
    body: { email, password },
    credentials: 'include', // the response sets the HttpOnly refresh cookie
    throwOnError: true,
  });
  return data;
}

export function useSignIn() {
  const auth = useAuth();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => login(body.email, body.password),
    onSuccess: (tokens) => auth.signIn(tokens.access_token, tokens.expires_in),
  });
}

/** Registers (joining an account when an invite code is given). The answer is the same whether
 * or not the address already has an account (the mailbox learns which), so nobody is signed in
 * here: the page says to check the mail, then sign in. */
export function useRegister() {
  return useMutation({
    mutationFn: async (body: RegisterRequest) => (await authRegister({ body, throwOnError: true })).data,
  });
}

export function useRequestPasswordReset() {
  return useMutation({
    mutationFn: async (email: string) => (await authRequestPasswordReset({ body: { email }, throwOnError: true })).data,
  });
}

export type LinkStatus = TokenStatus['status'];

/** What an emailed link's token is worth, asked when its page opens (it uses nothing up). */
function useLinkStatus(kind: 'reset' | 'verify', token: string) {
  return useQuery({
    // A POST, so the generated client has no query key for it: this one has their shape.
    queryKey: [{ _id: kind === 'reset' ? 'authCheckPasswordReset' : 'authCheckEmailVerification', body: { token } }],
    queryFn: async (): Promise<LinkStatus> => {
      const check = kind === 'reset' ? authCheckPasswordReset : authCheckEmailVerification;
      return (await check({ body: { token }, throwOnError: true })).data.status;
    },
    enabled: token.length > 0,
    retry: false,
    // Asked anew each time the page opens: a link used meanwhile must say so.
    gcTime: 0,
  });
}

export const usePasswordResetLink = (token: string) => useLinkStatus('reset', token);
export const useVerificationLink = (token: string) => useLinkStatus('verify', token);

export function useConfirmPasswordReset() {
  return useMutation({
    mutationFn: async (body: { token: string; new_password: string }) =>
      (await authConfirmPasswordReset({ body, throwOnError: true })).data,
  });
}

export function useConfirmEmail() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (token: string) =>
      (await authConfirmEmailVerification({ body: { token }, throwOnError: true })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: authReadMeQueryKey() }),
  });
}

export function useSendVerificationEmail() {
  return useMutation({
    mutationFn: async () => (await authSendVerificationEmail({ throwOnError: true })).data,
  });
}

/** Which account and role an invite code grants (without using it). */
export function useInvitePreview(code: string) {
  return useQuery({
    // A POST, so the generated client has no query key for it: this one has their shape.
    queryKey: [{ _id: 'invitesPreviewInvite', body: { code } }],
    queryFn: async () => (await invitesPreviewInvite({ body: { code }, throwOnError: true })).data,
    enabled: code.length > 0,
    retry: false,
    staleTime: Infinity,
  });
}
