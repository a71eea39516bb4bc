import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';

import { isApiError } from '../lib/api/errors';
import { AuthProvider } from '../lib/auth/AuthProvider';
import type { AuthSession } from '../lib/auth/session';

function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx answer will not change by asking again; a network hiccup might.
        retry: (failureCount, error) => !isApiError(error) && failureCount < 2,
        staleTime: 10_000,
      },
      mutations: { retry: false },
    },
  });
}

export function Providers({ session, children }: { session: AuthSession; children: ReactNode }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <AuthProvider session={session}>{children}</AuthProvider>
    </QueryClientProvider>
  );
}
