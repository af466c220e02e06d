import type { AttemptCount, AttemptScope, AttemptStore } from '#lib/auth/throttle';

/** An AttemptStore over a map, with the real one's window rules. */
export class FakeAttemptStore implements AttemptStore {
  rows = new Map<string, AttemptCount>();

  private row(scope: AttemptScope, subject: string, now: Date, windowStart: Date): AttemptCount {
    const key = `${scope}:${subject}`;
    const existing = this.rows.get(key);
    const row =
      existing && existing.windowStartedAt > windowStart
        ? { ...existing, attempts: existing.attempts + 1 }
        : { scope, attempts: 1, windowStartedAt: now };
    this.rows.set(key, row);
    return { ...row };
  }

  async count(account: string, address: string, now: Date, windowStart: Date) {
    return [this.row('account', account, now, windowStart), this.row('address', address, now, windowStart)];
  }

  async succeeded(account: string, address: string) {
    this.rows.delete(`account:${account}`);
    const row = this.rows.get(`address:${address}`);
    if (row && row.attempts > 0) row.attempts -= 1;
  }

  async clear(account?: string) {
    const keys = [...this.rows.keys()].filter((key) => account === undefined || key === `account:${account}`);
    keys.forEach((key) => this.rows.delete(key));
    return keys.length;
  }
}
