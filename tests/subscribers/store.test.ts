import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { addressProblem } from '../../src/subscribers/email-address.ts';
import { exportCsv, importCsv } from '../../src/subscribers/import-export.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { signToken, subscriberOfToken, verifyToken } from '../../src/subscribers/index.ts';
import { tempDatabase } from '../helpers/dispatch.ts';

describe('the subscriber list', () => {
  it('keeps addresses as given but compares them without case', async () => {
    const { store } = await tempDatabase();
    expect((await store.add({ email: 'Ann.Lee@Example.ORG', source: 'test' })).added).toBe(true);
    expect((await store.add({ email: 'ann.lee@example.org', source: 'test' })).added).toBe(false);
    expect((await store.find('ANN.LEE@example.org'))?.email).toBe('Ann.Lee@Example.ORG');
    expect(await store.count()).toBe(1);
  });

  it('refuses addresses that are not addresses, saying why', async () => {
    const { store } = await tempDatabase();
    await expect(store.add({ email: 'no-at-sign', source: 'test' })).rejects.toThrow(
      'no-at-sign: the address is not of the form name@domain',
    );
    expect(addressProblem(`${'a'.repeat(250)}@example.org`)).toMatch(/longer than 254/);
    expect(addressProblem('a@b.org\r\nBcc: x@y.org')).toBe('contains a line break');
    expect(addressProblem('a b@example.org')).toBe('contains a space or a control character');
    expect(addressProblem('ann@example')).toBe('has a domain without a dot');
    expect(addressProblem('ann@localhost')).toBeUndefined();
    expect(addressProblem("o'hara+news@mail.example.org")).toBeUndefined();
  });

  it("records status changes, preferences and bounces in the subscriber's history", async () => {
    const { store } = await tempDatabase();
    const { subscriber } = await store.add({ email: 'a@example.org', source: 'test' });
    await store.setStatus(subscriber.id, 'confirmed', 'clicked the link');
    await store.setPreferences(subscriber.id, ['Robotics', ' Robotics ', 'Audio'], 'weekly');
    expect(await store.get(subscriber.id)).toMatchObject({ status: 'confirmed', topics: ['Robotics', 'Audio'], cadence: 'weekly' });
    expect(await store.recordBounce(subscriber.id, 'hard', '550 no')).toBe(false);
    expect(await store.recordBounce(subscriber.id, 'hard', '550 no')).toBe(false);
    expect(await store.recordBounce(subscriber.id, 'hard', '550 no')).toBe(true);
    expect((await store.get(subscriber.id))?.status).toBe('bounced');
    expect((await store.history(subscriber.id)).map((e) => e.kind)).toEqual([
      'added',
      'confirmed',
      'preferences',
      'hard-bounce',
      'hard-bounce',
      'hard-bounce',
      'bounced',
    ]);
    expect(await store.counts()).toEqual({ pending: 0, confirmed: 0, unsubscribed: 0, bounced: 1 });
  });

  it('counts soft bounces in a row: a delivery clears them, the third after it marks the subscriber bounced, saying why', async () => {
    const { store } = await tempDatabase();
    const { subscriber } = await store.add({ email: 'b@example.org', status: 'confirmed', source: 'test' });
    expect([
      await store.recordBounce(subscriber.id, 'soft', 'delivery status 4.2.2 (failed)'),
      await store.recordBounce(subscriber.id, 'soft', '4.2.2'),
    ]).toEqual([false, false]);
    await store.recordDelivered(subscriber.id);
    expect(await store.get(subscriber.id)).toMatchObject({ status: 'confirmed', softBounces: 0, hardBounces: 0 });
    const three = [];
    for (let n = 0; n < 3; n++) three.push(await store.recordBounce(subscriber.id, 'soft', '4.2.2'));
    expect(three).toEqual([false, false, true]);
    expect(await store.get(subscriber.id)).toMatchObject({ status: 'bounced', softBounces: 3, hardBounces: 0 });
    expect((await store.history(subscriber.id)).at(-1)).toMatchObject({ kind: 'bounced', detail: '3 temporary failures in a row' });
    expect(await store.recordBounce(subscriber.id, 'soft', '4.2.2')).toBe(false);
  });

  it('migrates a database once, and keeps its data when opened again', async () => {
    const { sql, store, dataDir } = await tempDatabase();
    await store.add({ email: 'kept@example.org', source: 'test' });
    expect(await sql.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    const version = await sql.get('PRAGMA user_version');
    await sql.close();
    const again = sqliteSql(openDatabase(dataDir));
    expect(await again.get('PRAGMA user_version')).toEqual(version);
    expect(await new SubscriberStore(again).find('kept@example.org')).toBeDefined();
    await again.close();
  });
});

describe('tokens', () => {
  const secret = 'a-secret-of-enough-length';
  const keys = new Map<number, string>([
    [12345, ''],
    [7, 'k7'],
    [3, 'k3'],
  ]);
  const keyOf = (id: number) => keys.get(id);
  const holder = (id: number) => ({ id, tokenKey: keys.get(id) ?? '' });

  it('name a subscriber for one purpose and survive lower-casing', () => {
    const token = signToken(secret, 'unsubscribe', holder(12345));
    expect(token).toMatch(/^[a-z0-9-]+$/);
    expect(verifyToken(secret, 'unsubscribe', token, keyOf)).toEqual({ subscriberId: 12345, expiresAt: 0 });
    expect(verifyToken(secret, 'unsubscribe', token.toUpperCase(), keyOf)).toEqual({ subscriberId: 12345, expiresAt: 0 });
    expect(verifyToken(secret, 'preferences', token, keyOf)).toEqual({ problem: 'wrong purpose' });
  });

  it('refuse a tampered, foreign or malformed token', () => {
    const token = signToken(secret, 'unsubscribe', holder(7));
    const tampered = token.replace(/^u7/, 'u3');
    expect(verifyToken(secret, 'unsubscribe', tampered, keyOf)).toEqual({ problem: 'bad signature' });
    expect(verifyToken(secret, 'unsubscribe', token.replace(/^u7/, 'u8'), keyOf)).toEqual({ problem: 'bad signature' });
    // Another subscriber given the same id has another key: the old token does not name them.
    expect(verifyToken(secret, 'unsubscribe', token, (id) => (id === 7 ? 'someone-else' : undefined))).toEqual({
      problem: 'bad signature',
    });
    expect(verifyToken('another-secret-entirely', 'unsubscribe', token, keyOf)).toEqual({ problem: 'bad signature' });
    expect(verifyToken(secret, 'unsubscribe', '<script>', keyOf)).toEqual({ problem: 'malformed' });
  });

  it('tell a forger nothing about which ids exist: a token for nobody is refused as one for someone', async () => {
    const { store } = await tempDatabase();
    const ann = (await store.add({ email: 'ann@example.org', status: 'confirmed', source: 'test' })).subscriber;
    const gone = (await store.add({ email: 'gone@example.org', status: 'confirmed', source: 'test' })).subscriber;
    const goneToken = signToken(secret, 'unsubscribe', gone);
    await store.erase(gone.email);
    const forged = (id: number) => `u${id.toString(36)}-0-${'0'.repeat(24)}`;
    const problems = await Promise.all(
      [forged(ann.id), forged(gone.id), forged(9999), goneToken].map((token) =>
        subscriberOfToken(store, secret, 'unsubscribe', token, new Date()),
      ),
    );
    expect(problems).toEqual([
      { problem: 'bad signature' },
      { problem: 'bad signature' },
      { problem: 'bad signature' },
      { problem: 'bad signature' },
    ]);
    expect(await subscriberOfToken(store, secret, 'unsubscribe', signToken(secret, 'unsubscribe', ann), new Date())).toMatchObject({
      subscriber: { id: ann.id },
    });
  });

  it('expire confirmation tokens, never unsubscribe tokens', () => {
    const confirm = signToken(secret, 'confirm', holder(3), 1000);
    expect(verifyToken(secret, 'confirm', confirm, keyOf, 999)).toEqual({ subscriberId: 3, expiresAt: 1000 });
    expect(verifyToken(secret, 'confirm', confirm, keyOf, 1001)).toEqual({ problem: 'expired' });
    expect(verifyToken(secret, 'unsubscribe', signToken(secret, 'unsubscribe', holder(3)), keyOf, 9e12)).toEqual({
      subscriberId: 3,
      expiresAt: 0,
    });
  });
});

describe('CSV import and export', () => {
  const csv = [
    'email,name,topics,cadence',
    'one@example.org,One,Robotics;Audio,weekly',
    'not-an-address,,,',
    '"two@example.org","Two, Jr.",,daily',
    'three@example.org,,,monthly',
    '',
    'ONE@example.org,Again,,',
  ].join('\r\n');

  it('imports the good rows, reports each bad one with its line, and is idempotent', async () => {
    const { store } = await tempDatabase();
    const report = await importCsv(store, csv, { confirmed: true, source: 'import' });
    expect(report).toEqual({
      added: 2,
      existing: 1,
      confirmed: 0,
      refused: 2,
      problems: [
        { line: 3, message: 'not-an-address: the address is not of the form name@domain' },
        { line: 5, message: 'cadence "monthly" is not daily or weekly' },
      ],
    });
    expect(await store.find('one@example.org')).toMatchObject({
      name: 'One',
      topics: ['Robotics', 'Audio'],
      cadence: 'weekly',
      status: 'confirmed',
      source: 'import',
    });
    expect((await store.find('two@example.org'))?.name).toBe('Two, Jr.');
    expect(await importCsv(store, csv, { confirmed: true, source: 'import' })).toMatchObject({ added: 0, existing: 3, confirmed: 0 });
    expect(await store.count()).toBe(2);
  });

  it('never signs up again someone who left', async () => {
    const { store } = await tempDatabase();
    const { subscriber } = await store.add({ email: 'one@example.org', status: 'confirmed', source: 'test' });
    await store.setStatus(subscriber.id, 'unsubscribed', 'clicked unsubscribe');
    await importCsv(store, csv, { confirmed: true, source: 'import' });
    expect((await store.find('one@example.org'))?.status).toBe('unsubscribed');
  });

  it('exports what it imports back', async () => {
    const { store } = await tempDatabase();
    await importCsv(store, csv, { confirmed: false, source: 'import' });
    let exported = '';
    for await (const chunk of exportCsv(store)) exported += chunk;
    const { store: copy } = await tempDatabase();
    expect(await importCsv(copy, exported, { confirmed: false, source: 'import' })).toMatchObject({ added: 2, problems: [] });
    expect(await copy.find('two@example.org')).toMatchObject({ name: 'Two, Jr.', status: 'pending' });
    expect((await copy.find('one@example.org'))?.topics).toEqual(['Robotics', 'Audio']);
  });

  it('says so when a file has no email column or a quote never closes', async () => {
    const { store } = await tempDatabase();
    expect((await importCsv(store, 'name\nAnn\n', { confirmed: false, source: 'import' })).problems).toEqual([
      { line: 1, message: 'the header has no "email" column (it has: name)' },
    ]);
    expect((await importCsv(store, 'email\n"open@example.org\n', { confirmed: false, source: 'import' })).problems[0]).toEqual({
      line: 2,
      message: 'a quoted field is never closed',
    });
  });
});
