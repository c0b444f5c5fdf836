-- Keyed audit chain (issue 14 item 7). From now on each row's hash is an HMAC-SHA256 under the
-- audit key (TWIN_AUDIT_KEY or <data dir>/audit.key), a secret this database does not hold, and
-- key_id names the key (16 hex characters of an HMAC under it, never the key). Rows written before
-- this migration keep key_id NULL and their keyless SHA-256; the first row written afterwards is an
-- `audit.chain.keyed` boundary row whose MAC covers the legacy head (auth/audit.ts). Adding a
-- column does not fire the append-only row triggers: no existing row changes.
ALTER TABLE audit_log ADD COLUMN key_id text CHECK (key_id IS NULL OR key_id ~ '^[0-9a-f]{16}$');
