import type { TestProject } from 'vitest/node';

import { startApp } from './server';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
    /** The app's log: emails (verification, reset links) are written there without SMTP. */
    serverLog: string;
  }
}

export default async function setup(project: TestProject) {
  const app = await startApp();
  project.provide('baseURL', app.baseURL);
  project.provide('serverLog', app.logFile);
  return () => app.stop();
}
