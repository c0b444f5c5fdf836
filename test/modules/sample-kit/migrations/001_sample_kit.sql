-- The sample kit's notes: one per (object, text), attached to a twin object by idx (a core
-- table, so this runs after the core migrations or not at all).
CREATE TABLE sample_kit_note (
  id serial PRIMARY KEY,
  idx integer NOT NULL REFERENCES twin_object (idx) ON DELETE CASCADE,
  text text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
  author text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (idx, text)
);
