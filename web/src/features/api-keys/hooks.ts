// Every API call of the API keys page. Components use these hooks, never the client.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { apiKeysCreateApiKey, apiKeysRevokeApiKey, type ApiKeyCreate } from '../../client';
import { apiKeysListApiKeysOptions, apiKeysListApiKeysQueryKey } from '../../client/@tanstack/react-query.gen';

export type { ApiKeyCreated, ApiKeyRead } from '../../client';

export function useApiKeys() {
  return useQuery(apiKeysListApiKeysOptions());
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: ApiKeyCreate) => (await apiKeysCreateApiKey({ body, throwOnError: true })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeysListApiKeysQueryKey() }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (keyId: string) =>
      (await apiKeysRevokeApiKey({ path: { key_id: keyId }, throwOnError: true })).data,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: apiKeysListApiKeysQueryKey() }),
  });
}
