import type { TestProject } from 'vitest/node';

import { startApp } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}

export default async function setup(project: TestProject) {
  const app = await startApp();
  project.provide('baseURL', app.baseURL);
  return () => app.stop();
}
