import type { SigningKey } from './_dkim-fields.ts';
import { SigningThreads } from './_sign-thread.ts';
import type { Outgoing, Transport } from './transport.ts';

/** A key to sign with, and where its public half is published: `<selector>._domainkey.<domain>`. */
export type DkimKey = SigningKey;

/** Signs whole messages, given as the parts they are sent in. */
export interface DkimSigner {
  readonly keys: readonly DkimKey[];
  /**
   * The message's parts with one DKIM-Signature field per key in front. Parts are taken as they
   * are when handed in and must not change afterwards (the parts of a template are shared).
   */
  sign(parts: readonly Buffer[]): Promise<Buffer[]>;
  /** Stops the threads that sign, if they run. */
  close(): Promise<void>;
}

/**
 * A signer for these keys (RSA, Ed25519, or both for dual signatures): relaxed/relaxed, SHA-256,
 * the list's fields signed and oversigned (a copy of any added on the way breaks it). Each copy is signed on its final bytes,
 * on threads of their own: the parts a copy shares with others go to them, and are put in relaxed
 * form, only once. `now` stamps `t=`: the real clock, since verifiers refuse a signature from the future.
 */
export function createDkimSigner(keys: readonly DkimKey[], now: () => Date = () => new Date()): DkimSigner {
  const threads = new SigningThreads(keys);
  return {
    keys,
    close: () => threads.close(),
    async sign(parts) {
      const fields = await threads.sign(parts, Math.floor(now().getTime() / 1000));
      return [Buffer.from(fields, 'latin1'), ...parts];
    },
  };
}

// Messages signed ahead of those being sent: enough that a connection that frees up finds one
// ready, while the signing threads take the processor time left over.
const SIGNED_AHEAD = 32;

/** A transport that signs every message before handing it on. */
export function signingTransport(inner: Transport, signer: DkimSigner): Transport {
  return {
    name: inner.name,
    ahead: (inner.ahead ?? 0) + SIGNED_AHEAD,
    async send(message: Outgoing) {
      return inner.send({ ...message, parts: await signer.sign(message.parts) });
    },
    close: async () => {
      await Promise.all([inner.close(), signer.close()]);
    },
  };
}
