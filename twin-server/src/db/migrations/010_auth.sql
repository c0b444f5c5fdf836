-- Security platform (D4, Y2-Y4, Y6): accounts, server-side sessions, device identities and the
-- append-only, hash-chained audit log. Times are written by the application (injectable clock),
-- so every timestamp column has no default.

CREATE TABLE app_user (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE CHECK (username ~ '^[a-z][a-z0-9._-]{2,31}$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
  password_hash text NOT NULL,                      -- argon2id, PHC string
  roles text[] NOT NULL DEFAULT '{}',
  -- Enterprise users see only their own enterprise; a dangling binding fails closed in code.
  enterprise_idx integer REFERENCES enterprise (idx) ON DELETE SET NULL,
  phone_enc text,                                   -- AES-256-GCM, see auth/crypto.ts
  id_number_enc text,                               -- AES-256-GCM
  must_change_password boolean NOT NULL DEFAULT true,
  password_changed_at timestamptz NOT NULL,
  failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until timestamptz,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  last_login_at timestamptz
);

-- Command walls (read-only) and data-exchange clients: long-lived, revocable bearer identities.
CREATE TABLE auth_device (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('wall', 'exchange')),
  token_hash text NOT NULL UNIQUE,                  -- sha256 of the bearer token
  pairing_hash text UNIQUE,                         -- sha256 of a one-time pairing code
  pairing_expires_at timestamptz,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  revoked_at timestamptz,
  last_seen_at timestamptz
);

-- Server-side sessions: the cookie carries a random secret, the table only its hash.
CREATE TABLE auth_session (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash text NOT NULL UNIQUE,
  csrf_token text NOT NULL,
  user_id uuid REFERENCES app_user (id) ON DELETE CASCADE,
  device_id uuid REFERENCES auth_device (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  idle_seconds integer CHECK (idle_seconds IS NULL OR idle_seconds > 0), -- NULL: no idle limit (walls)
  ended_at timestamptz,
  end_reason text,
  source text,
  CHECK ((user_id IS NULL) <> (device_id IS NULL))
);
CREATE INDEX auth_session_user ON auth_session (user_id) WHERE ended_at IS NULL;
CREATE INDEX auth_session_device ON auth_session (device_id) WHERE ended_at IS NULL;

-- Audit trail. Each row's hash covers the previous row's hash and this row's canonical content
-- (auth/audit.ts), so any change, deletion or reordering breaks the chain at that row.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  at timestamptz NOT NULL,
  actor_kind text NOT NULL CHECK (actor_kind IN ('anonymous', 'user', 'device', 'exchange', 'system')),
  actor_id text,
  actor_name text,
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
  object text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  source text,
  detail text NOT NULL DEFAULT '{}',                -- canonical JSON, hashed as stored
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_name, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

-- Retention purges leave a checkpoint: the hash of the last purged row, which the first kept row
-- chains to. A checkpoint can only name a row that exists with exactly that hash.
CREATE TABLE audit_checkpoint (
  seq bigint PRIMARY KEY,
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  at timestamptz NOT NULL,
  purged integer NOT NULL CHECK (purged >= 0)
);

-- Append-only: no UPDATE, no TRUNCATE; DELETE only for rows older than the 183-day floor that a
-- checkpoint already covers (the retention purge). Holds on both backends, whatever the role.
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.at < now() - interval '183 days'
       AND EXISTS (SELECT 1 FROM audit_checkpoint c WHERE c.seq >= OLD.seq) THEN
      RETURN OLD;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

CREATE FUNCTION audit_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF EXISTS (SELECT 1 FROM audit_log l WHERE l.seq = NEW.seq AND l.hash = NEW.hash) THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit checkpoint must name an existing audit row and its hash' USING ERRCODE = '23514';
  END IF;
  RAISE EXCEPTION 'audit_checkpoint is append-only: % refused', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_checkpoint_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_guard();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
  FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_guard();
