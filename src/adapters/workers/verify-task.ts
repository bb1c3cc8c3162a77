/**
 * Worker-thread entry of the verification lane (pool.ts): the core verifier, pure and
 * synchronous, on a certificate from POST /v1/verify.
 */
import { verifyAnyCertificate } from '../../core/registration.js';
import { nodeSha256 } from '../crypto/node.js';
import { settle, type VerifyTask, type WorkerResult } from './protocol.js';

export default function verifyTask(task: VerifyTask): Promise<WorkerResult> {
  return settle(() =>
    verifyAnyCertificate(task.certificate, {
      verifierKey: task.verifierKey,
      sha256: nodeSha256,
      tsaCertificates: task.tsaCertificates,
      ...(task.file ? { file: task.file } : {}),
    }),
  );
}
