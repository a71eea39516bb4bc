import { readFileSync } from 'node:fs';

/**
 * The newest link of a kind (`/verify-email`, `/reset-password`) mailed to `email`. Without
 * SMTP_HOST the app writes each email to its log; delivery is a background job, so poll.
 */
export async function linkFromLog(logFile: string, email: string, path: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  const pattern = new RegExp(`(https?://[^\\s]+${path.replace('/', '\\/')}\\?token=[A-Za-z0-9_-]+)`);
  while (Date.now() < deadline) {
    const blocks = readFileSync(logFile, 'utf8').split(/(?=^\S.*email \(no SMTP_HOST set\))/m);
    for (const block of blocks.reverse()) {
      if (!block.includes(`to=${email}`)) continue;
      const match = pattern.exec(block);
      if (match?.[1]) return match[1];
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${path} link for ${email} in ${logFile}`);
}
