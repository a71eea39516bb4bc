// Every API call of webhooks, embed settings and start links. Components use these hooks.

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import {
  integrationsUpdateEmbedSettings,
  startLinksOpenStartLink,
  webhooksCreateWebhook,
  webhooksDeleteWebhook,
  webhooksRedeliverWebhook,
  webhooksUpdateWebhook,
  type WebhookCreate,
  type WebhookEvent,
  type WebhookUpdate,
} from '../../client';
import {
  integrationsReadEmbedSettingsOptions,
  integrationsReadEmbedSettingsQueryKey,
  webhooksListWebhookDeliveriesOptions,
  webhooksListWebhookDeliveriesQueryKey,
  webhooksListWebhooksOptions,
  webhooksListWebhooksQueryKey,
} from '../../client/@tanstack/react-query.gen';

export type {
  AttemptRead,
  DeliveryRead,
  EmbedSettingsRead,
  WebhookCreated,
  WebhookEvent,
  WebhookRead,
} from '../../client';

export const EVENTS: readonly WebhookEvent[] = [
  'session.started',
  'session.completed',
  'session.escalated',
  'session.abandoned',
  'tree.published',
];

export function useWebhooks() {
  return useQuery(webhooksListWebhooksOptions());
}

/** The delivery log of one endpoint; polled while a delivery is still being retried. */
export function useDeliveries(webhookId: string) {
  return useQuery({
    ...webhooksListWebhookDeliveriesOptions({ path: { webhook_id: webhookId } }),
    refetchInterval: (query) => (query.state.data?.items.some((d) => d.status === 'pending') ? 2000 : false),
  });
}

function useInvalidate() {
  const queryClient = useQueryClient();
  return (...keys: readonly unknown[][]) =>
    Promise.all(keys.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
}

export function useCreateWebhook() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (body: WebhookCreate) => (await webhooksCreateWebhook({ body, throwOnError: true })).data,
    onSuccess: () => invalidate(webhooksListWebhooksQueryKey()),
  });
}

export function useUpdateWebhook() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async ({ id, body }: { id: string; body: WebhookUpdate }) =>
      (await webhooksUpdateWebhook({ path: { webhook_id: id }, body, throwOnError: true })).data,
    onSuccess: () => invalidate(webhooksListWebhooksQueryKey()),
  });
}

export function useDeleteWebhook() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (id: string) => {
      await webhooksDeleteWebhook({ path: { webhook_id: id }, throwOnError: true });
    },
    onSuccess: () => invalidate(webhooksListWebhooksQueryKey()),
  });
}

export function useRedeliver(webhookId: string) {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (deliveryId: string) => {
      await webhooksRedeliverWebhook({
        path: { webhook_id: webhookId, delivery_id: deliveryId },
        throwOnError: true,
      });
    },
    onSuccess: () => invalidate(webhooksListWebhookDeliveriesQueryKey({ path: { webhook_id: webhookId } })),
  });
}

export function useEmbedSettings() {
  return useQuery(integrationsReadEmbedSettingsOptions());
}

export function useSaveEmbedOrigins() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: async (origins: string[]) =>
      (await integrationsUpdateEmbedSettings({ body: { allowed_origins: origins }, throwOnError: true })).data,
    onSuccess: () => invalidate(integrationsReadEmbedSettingsQueryKey()),
  });
}

export function useOpenStartLink() {
  return useMutation({
    mutationFn: async (token: string) => (await startLinksOpenStartLink({ body: { token }, throwOnError: true })).data,
  });
}
