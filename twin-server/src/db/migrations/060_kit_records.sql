-- The records and workflow kit (twin-server/src/kit/): generic tables shared by every module
-- whose entities are records with a lifecycle (repair requests, bookings, applications...).
-- Typed columns carry what the kit filters, sorts, scopes and locks on; the module's own
-- fields live in `data` (validated by the entity's zod schema before they get here).

CREATE TABLE kit_record (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entity text NOT NULL CHECK (entity ~ '^[a-z][a-z0-9_]{1,40}$'),
  state text NOT NULL CHECK (length(state) BETWEEN 1 AND 40),
  -- Optimistic concurrency: every write checks and bumps it; a stale writer gets 409.
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  object_idx integer REFERENCES twin_object (idx) ON DELETE SET NULL,
  enterprise_idx integer REFERENCES enterprise (idx) ON DELETE SET NULL,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Lower-cased text of the entity's search fields (LIKE search works for Chinese too).
  search text NOT NULL DEFAULT '',
  assignees text[] NOT NULL DEFAULT '{}',
  created_by text,
  created_by_name text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  state_since timestamptz NOT NULL,
  -- SLA deadline of the current state (NULL: no timer) and when it was escalated.
  due_at timestamptz,
  escalated_at timestamptz
);
CREATE INDEX kit_record_entity_id ON kit_record (entity, id DESC);
CREATE INDEX kit_record_entity_updated ON kit_record (entity, updated_at DESC, id DESC);
CREATE INDEX kit_record_entity_state ON kit_record (entity, state, id DESC);
CREATE INDEX kit_record_entity_enterprise ON kit_record (entity, enterprise_idx, id DESC);
CREATE INDEX kit_record_object ON kit_record (object_idx, entity);
CREATE INDEX kit_record_due ON kit_record (due_at) WHERE due_at IS NOT NULL AND escalated_at IS NULL;

CREATE TABLE kit_transition (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_id bigint NOT NULL REFERENCES kit_record (id) ON DELETE CASCADE,
  transition text NOT NULL,
  from_state text NOT NULL,
  to_state text NOT NULL,
  by_id text,
  by_name text,
  note text CHECK (note IS NULL OR length(note) <= 2000),
  at timestamptz NOT NULL
);
CREATE INDEX kit_transition_record ON kit_transition (record_id, id);

CREATE TABLE kit_comment (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_id bigint NOT NULL REFERENCES kit_record (id) ON DELETE CASCADE,
  author_id text,
  author_name text,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  at timestamptz NOT NULL
);
CREATE INDEX kit_comment_record ON kit_comment (record_id, id);

CREATE TABLE kit_attachment (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_id bigint NOT NULL REFERENCES kit_record (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  content_type text NOT NULL,
  size integer NOT NULL CHECK (size >= 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  by_id text,
  by_name text,
  at timestamptz NOT NULL
);
CREATE INDEX kit_attachment_record ON kit_attachment (record_id, id);

-- In-app notifications (the notification centre) and per-user delivery preferences.
CREATE TABLE kit_notification (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{1,60}$'),
  title_zh text NOT NULL CHECK (length(title_zh) BETWEEN 1 AND 200),
  title_en text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 200),
  link text CHECK (link IS NULL OR link ~ '^/[^/]'),
  created_at timestamptz NOT NULL,
  read_at timestamptz,
  -- Outbound channels still to deliver (an outbox: a sender claims a row by emptying it).
  outbound text[] NOT NULL DEFAULT '{}',
  outbound_error text
);
CREATE INDEX kit_notification_outbox ON kit_notification (id) WHERE outbound <> '{}';
CREATE INDEX kit_notification_user ON kit_notification (user_id, id DESC);
CREATE INDEX kit_notification_unread ON kit_notification (user_id) WHERE read_at IS NULL;

CREATE TABLE kit_notification_pref (
  user_id uuid PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
  email text CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$'),
  -- Channels per notification kind ('*' is the default for kinds not listed), e.g.
  -- {"*": ["inapp"], "repair.done": ["inapp", "email"]}.
  channels jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL
);
