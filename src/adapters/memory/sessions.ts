/** The in-memory SessionStore: the fake the use-case tests run against (same contract as level/sessions.ts). */
import type { PasswordRecord, SessionRecord, SessionStore } from '../../app/ports.js';
import type { StoreDump } from '../../app/migrate.js';

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly passwords = new Map<string, PasswordRecord>();

  async putSession(hash: string, session: SessionRecord): Promise<void> {
    this.sessions.set(hash, { ...session });
  }

  async getSession(hash: string): Promise<SessionRecord | undefined> {
    const s = this.sessions.get(hash);
    return s === undefined ? undefined : { ...s };
  }

  async deleteSession(hash: string): Promise<void> {
    this.sessions.delete(hash);
  }

  async listAccountSessions(account: string, limit: number): Promise<{ hash: string; session: SessionRecord }[]> {
    return [...this.sessions]
      .filter(([, s]) => s.account === account)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([hash, s]) => ({ hash, session: { ...s } }));
  }

  async deleteAccountSessions(account: string, except?: string): Promise<number> {
    let deleted = 0;
    for (const [hash, s] of this.sessions) {
      if (s.account === account && hash !== except) {
        this.sessions.delete(hash);
        deleted++;
      }
    }
    return deleted;
  }

  async getPassword(account: string): Promise<PasswordRecord | undefined> {
    const p = this.passwords.get(account);
    return p === undefined ? undefined : { ...p };
  }

  async setPassword(account: string, password: PasswordRecord): Promise<void> {
    this.passwords.set(account, { ...password });
  }

  /** Every session and password (app/migrate.ts). */
  dump(): Pick<StoreDump, 'sessions' | 'passwords'> {
    const sessions = this.sessions;
    const passwords = this.passwords;
    return {
      async *sessions() {
        for (const [hash, session] of sessions) yield { hash, session: { ...session } };
      },
      async *passwords() {
        for (const [account, password] of passwords) yield { account, password: { ...password } };
      },
    };
  }
}
