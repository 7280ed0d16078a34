/** The schema, one step per version; `PRAGMA user_version` says how many steps a database has had. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE subscribers (
     id INTEGER PRIMARY KEY,
     email TEXT NOT NULL,
     email_key TEXT NOT NULL UNIQUE,
     name TEXT NOT NULL DEFAULT '',
     status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
     topics TEXT NOT NULL DEFAULT '[]',
     cadence TEXT NOT NULL DEFAULT 'daily' CHECK (cadence IN ('daily', 'weekly')),
     source TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     confirmed_at TEXT,
     unsubscribed_at TEXT,
     hard_bounces INTEGER NOT NULL DEFAULT 0,
     soft_bounces INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX subscribers_by_status ON subscribers (status, cadence, id);
   CREATE TABLE events (
     id INTEGER PRIMARY KEY,
     subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
     at TEXT NOT NULL,
     kind TEXT NOT NULL,
     detail TEXT NOT NULL DEFAULT ''
   );
   CREATE INDEX events_by_subscriber ON events (subscriber_id, id);
   CREATE TABLE dispatches (
     id INTEGER PRIMARY KEY,
     issue TEXT NOT NULL,
     round INTEGER NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     status TEXT NOT NULL CHECK (status IN ('running', 'done', 'stopped')),
     sent INTEGER NOT NULL DEFAULT 0,
     skipped INTEGER NOT NULL DEFAULT 0,
     failed INTEGER NOT NULL DEFAULT 0,
     note TEXT NOT NULL DEFAULT ''
   );
   CREATE TABLE deliveries (
     issue TEXT NOT NULL,
     round INTEGER NOT NULL,
     subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
     status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'skipped', 'failed')),
     message_id TEXT NOT NULL DEFAULT '',
     attempts INTEGER NOT NULL DEFAULT 0,
     last_reply TEXT NOT NULL DEFAULT '',
     reason TEXT NOT NULL DEFAULT '',
     updated_at TEXT NOT NULL,
     PRIMARY KEY (issue, round, subscriber_id)
   ) WITHOUT ROWID;
   CREATE INDEX deliveries_by_status ON deliveries (issue, round, status, subscriber_id);
   CREATE TABLE locks (
     name TEXT PRIMARY KEY,
     pid INTEGER NOT NULL,
     host TEXT NOT NULL,
     acquired_at TEXT NOT NULL,
     heartbeat_at TEXT NOT NULL
   );
   CREATE TABLE confirmations (
     email_key TEXT NOT NULL,
     day TEXT NOT NULL,
     count INTEGER NOT NULL,
     PRIMARY KEY (email_key, day)
   );`,
  `CREATE TABLE publications (
     issue TEXT PRIMARY KEY,
     published_at TEXT NOT NULL,
     mailed INTEGER NOT NULL,
     note TEXT NOT NULL DEFAULT ''
   );`,
  `ALTER TABLE locks ADD COLUMN nonce TEXT NOT NULL DEFAULT '';`,
  // Tokens are bound to a key of the subscriber's own (old ones, signed without, keep working);
  // when someone left is kept; a delivery whose fate the relay never told is 'doubt'.
  `ALTER TABLE subscribers ADD COLUMN token_key TEXT NOT NULL DEFAULT '';
   ALTER TABLE subscribers ADD COLUMN left_at TEXT;
   UPDATE subscribers SET left_at = COALESCE(unsubscribed_at, updated_at) WHERE status IN ('unsubscribed', 'bounced');
   CREATE TABLE deliveries_next (
     issue TEXT NOT NULL,
     round INTEGER NOT NULL,
     subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
     status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'skipped', 'failed', 'doubt')),
     message_id TEXT NOT NULL DEFAULT '',
     attempts INTEGER NOT NULL DEFAULT 0,
     last_reply TEXT NOT NULL DEFAULT '',
     reason TEXT NOT NULL DEFAULT '',
     updated_at TEXT NOT NULL,
     PRIMARY KEY (issue, round, subscriber_id)
   ) WITHOUT ROWID;
   INSERT INTO deliveries_next SELECT issue, round, subscriber_id, status, message_id, attempts, last_reply, reason, updated_at FROM deliveries;
   DROP TABLE deliveries;
   ALTER TABLE deliveries_next RENAME TO deliveries;
   CREATE INDEX deliveries_by_status ON deliveries (issue, round, status, subscriber_id);`,
  // Addresses that must not come back by an import or by hand (they complained, or were erased),
  // kept only as a keyed hash; a fresh double opt-in by their owner lifts it.
  `CREATE TABLE suppressions (
     address_hash TEXT PRIMARY KEY,
     reason TEXT NOT NULL,
     at TEXT NOT NULL
   ) WITHOUT ROWID;`,
  // Webhook events waiting to be delivered, one row per event and receiver, written in the
  // transaction of the change they tell of and deleted once the receiver took them.
  `CREATE TABLE webhook_events (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL,
     url TEXT NOT NULL,
     subject TEXT NOT NULL,
     type TEXT NOT NULL,
     body TEXT NOT NULL,
     created_at TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_at TEXT NOT NULL,
     last_error TEXT NOT NULL DEFAULT '',
     UNIQUE (id, url)
   );
   CREATE INDEX webhook_events_in_order ON webhook_events (url, subject, seq);
   CREATE INDEX webhook_events_due ON webhook_events (next_at);`,
  // Where each digest file came from (the upstream commit, or the URL and its validators), and when
  // its bytes were last seen to change: a new file is mailed only once it has settled. One row per
  // source holds the last good sync.
  `CREATE TABLE source_files (
     path TEXT PRIMARY KEY,
     origin TEXT NOT NULL,
     etag TEXT NOT NULL DEFAULT '',
     last_modified TEXT NOT NULL DEFAULT '',
     sha256 TEXT NOT NULL,
     changed_at TEXT NOT NULL,
     seen_at TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE source_syncs (
     source TEXT PRIMARY KEY,
     revision TEXT NOT NULL DEFAULT '',
     good_at TEXT,
     tried_at TEXT NOT NULL,
     problem TEXT NOT NULL DEFAULT ''
   ) WITHOUT ROWID;`,
  // What came back after which message (the ledger's rule): events read by kind from a time on, and
  // each reader's deliveries in the order they were sent.
  `CREATE INDEX events_by_kind ON events (kind, at);
   CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id, updated_at, status);`,
];
