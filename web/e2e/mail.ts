import { readFileSync } from 'node:fs';

import { expect } from '@playwright/test';

/** The newest link of a kind (`/verify-email`, `/reset-password`) in the log mailed to `email`;
 * the token is in the fragment (`#token=`), or in the query (`?token=`) of older links. */
export function findLinkInLog(logFile: string, email: string, path: string): string | undefined {
  const pattern = new RegExp(`(https?://[^\\s]+${path.replace('/', '\\/')}[#?]token=[A-Za-z0-9_-]+)`);
  const blocks = readFileSync(logFile, 'utf8').split(/(?=^\S.*email \(no SMTP_HOST set\))/m);
  for (const block of blocks.reverse()) {
    if (!block.includes(`to=${email}`)) continue;
    const match = pattern.exec(block);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/**
 * Waits for that link: without SMTP_HOST the app writes each email to its log, and delivery is a
 * background job.
 */
export async function linkFromLog(logFile: string, email: string, path: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      () => {
        link = findLinkInLog(logFile, email, path);
        return link;
      },
      {
        message: `a ${path} link mailed to ${email} in ${logFile}`,
        timeout: 15_000,
      },
    )
    .toMatch(new RegExp(`${path}[#?]token=`));
  return link as string;
}

/** Waits for a mail to `email` whose subject contains `subject` in the log; its text. */
export async function mailFromLog(logFile: string, email: string, subject: string): Promise<string> {
  let found = '';
  await expect
    .poll(
      () => {
        const blocks = readFileSync(logFile, 'utf8').split(/(?=^\S.*email \(no SMTP_HOST set\))/m);
        found = blocks.reverse().find((b) => b.includes(`to=${email}`) && b.includes(subject)) ?? '';
        return found.length > 0;
      },
      { message: `a mail "${subject}" to ${email} in ${logFile}`, timeout: 15_000 },
    )
    .toBe(true);
  return found;
}
