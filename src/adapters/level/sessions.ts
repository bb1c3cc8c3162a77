/**
 * Sessions and passwords in the auxiliary record space of the LedgerStore (LevelDB in production):
 *   session          / <token hash>              → SessionRecord JSON
 *   session-account  / <account id> 0x0a <hash>  → '' (index for "end every session of an account")
 *   password         / <account id>              → PasswordRecord JSON
 * A session and its index entry are written and deleted in one atomic write.
 */
import type { LedgerStore, PasswordRecord, SessionRecord, SessionStore } from '../../app/ports.js';

const SESSION = 'session';
const BY_ACCOUNT = 'session-account';
const PASSWORD = 'password';

type Records = Pick<LedgerStore, 'getRecord' | 'listRecords' | 'writeRecords'>;

export class RecordSessionStore implements SessionStore {
  constructor(private readonly records: Records) {}

  async putSession(hash: string, session: SessionRecord): Promise<void> {
    await this.records.writeRecords([
      { space: SESSION, key: hash, value: JSON.stringify(session) },
      { space: BY_ACCOUNT, key: `${session.account}\n${hash}`, value: '' },
    ]);
  }

  async getSession(hash: string): Promise<SessionRecord | undefined> {
    const raw = await this.records.getRecord(SESSION, hash);
    return raw === undefined ? undefined : (JSON.parse(raw) as SessionRecord);
  }

  async deleteSession(hash: string): Promise<void> {
    const s = await this.getSession(hash);
    await this.records.writeRecords([
      { space: SESSION, key: hash, value: null },
      ...(s ? [{ space: BY_ACCOUNT, key: `${s.account}\n${hash}`, value: null }] : []),
    ]);
  }

  async listAccountSessions(account: string, limit: number): Promise<{ hash: string; session: SessionRecord }[]> {
    const prefix = `${account}\n`;
    const index = await this.records.listRecords(BY_ACCOUNT, { prefix, limit });
    const out: { hash: string; session: SessionRecord }[] = [];
    for (const { key } of index) {
      const hash = key.slice(prefix.length);
      const session = await this.getSession(hash);
      if (session !== undefined) out.push({ hash, session });
    }
    return out;
  }

  async deleteAccountSessions(account: string, except?: string): Promise<number> {
    const prefix = `${account}\n`;
    let deleted = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.records.listRecords(BY_ACCOUNT, { prefix, limit: 500, ...(after !== undefined ? { after } : {}) });
      if (page.length === 0) return deleted;
      after = page[page.length - 1]!.key;
      const hashes = page.map((r) => r.key.slice(prefix.length)).filter((h) => h !== except);
      if (hashes.length > 0) {
        await this.records.writeRecords(hashes.flatMap((h) => [
          { space: SESSION, key: h, value: null },
          { space: BY_ACCOUNT, key: prefix + h, value: null },
        ]));
      }
      deleted += hashes.length;
    }
  }

  async getPassword(account: string): Promise<PasswordRecord | undefined> {
    const raw = await this.records.getRecord(PASSWORD, account);
    return raw === undefined ? undefined : (JSON.parse(raw) as PasswordRecord);
  }

  async setPassword(account: string, password: PasswordRecord): Promise<void> {
    await this.records.writeRecords([{ space: PASSWORD, key: account, value: JSON.stringify(password) }]);
  }
}
