-- Third-party 3D Tiles shown as layers of a park: uploaded (zip or 3tz, extracted under the tile
-- folder) or read in place from a path on this host. `anchor` says how the layer is placed: where
-- its own root transform puts it ('georeferenced') or at the park origin ('park'); the nudge
-- (east/north/up metres, heading degrees clockwise, scale) is applied on top.
CREATE TABLE tileset_layer (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  park_idx integer NOT NULL REFERENCES park (idx) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  source text NOT NULL CHECK (source IN ('upload', 'path')),
  -- Upload: folder name under <tileset dir>/_layers; path: the absolute folder on this host.
  location text NOT NULL,
  root_file text NOT NULL DEFAULT 'tileset.json',
  tiles_version text NOT NULL,
  georeferenced boolean NOT NULL,
  anchor text NOT NULL CHECK (anchor IN ('georeferenced', 'park')),
  offset_east real NOT NULL DEFAULT 0 CHECK (abs(offset_east) <= 100000),
  offset_north real NOT NULL DEFAULT 0 CHECK (abs(offset_north) <= 100000),
  offset_up real NOT NULL DEFAULT 0 CHECK (abs(offset_up) <= 10000),
  heading real NOT NULL DEFAULT 0 CHECK (heading >= -360 AND heading <= 360),
  scale real NOT NULL DEFAULT 1 CHECK (scale > 0 AND scale <= 10000),
  visible boolean NOT NULL DEFAULT true,
  contents integer NOT NULL,
  missing jsonb NOT NULL DEFAULT '[]',
  bytes bigint NOT NULL DEFAULT 0,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (park_idx, name)
);
