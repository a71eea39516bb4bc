import { useState } from 'react';
import { RouterProvider } from 'react-router';

import type { AuthSession } from '../lib/auth/session';
import { Providers } from './providers';
import { createRouter } from './router';

export function App({ session }: { session: AuthSession }) {
  const [router] = useState(createRouter);
  return (
    <Providers session={session}>
      <RouterProvider router={router} />
    </Providers>
  );
}
