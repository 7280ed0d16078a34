import { describe, expect, it } from 'vitest';
import { scrubbed } from '../src/log.ts';
import { signToken } from '../src/subscribers/index.ts';

describe('a text made fit for a log', () => {
  it('holds no address and no link token, and keeps the rest', () => {
    const token = signToken('a-secret-of-sixteen-or-more', 'unsubscribe', { id: 42, tokenKey: 'k' });
    const text = `550 5.1.1 <Ann.Lee+news@Example.org>: user unknown; to papers+confirm-${token}@list.example.org via https://x.example.org/unsubscribe?token=${token}&a=1 (${token})`;
    expect(scrubbed(text)).toBe('550 5.1.1 <[address]>: user unknown; to [address] via https://x.example.org/unsubscribe?token=[token]&a=1 ([token])');
    expect(scrubbed('confirmation email not sent: connection refused')).toBe('confirmation email not sent: connection refused');
  });
});
