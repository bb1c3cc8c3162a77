/** `verify --tsa-cert F`: TSA certificates (or CAs) to pin for the timestamp check, PEM or DER. */
import { readFile } from 'node:fs/promises';
import { certificatesFromPem, parseCertificate } from '../../core/pkix.js';

/** DER certificates from the files (each PEM with one or more certificates, or one DER certificate). Throws `usage(message)` on a bad file. */
export async function readTsaCertificates(paths: readonly string[], usage: (message: string) => Error): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path));
    } catch (e) {
      throw usage(`cannot read ${path}: ${(e as Error).message}`);
    }
    try {
      const ders = bytes[0] === 0x30 ? [bytes] : certificatesFromPem(new TextDecoder().decode(bytes));
      for (const der of ders) parseCertificate(der);
      out.push(...ders);
    } catch {
      throw usage(`${path} holds no readable X.509 certificate (PEM or DER)`);
    }
  }
  return out;
}
