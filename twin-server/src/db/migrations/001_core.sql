-- Park data model. Geometry is EPSG:4326 (lon, lat); Z and every height are metres relative to
-- the park's ground datum (park.origin sits at Z = 0 of that datum; pipes have negative Z).
-- Only SQL that both PostgreSQL 15 + PostGIS 3.3 and PGlite (PostgreSQL 18 + PostGIS 3.6) run.

CREATE EXTENSION IF NOT EXISTS postgis;

-- The twin index: one dense integer per twin object. The same integer is the 3D Tiles feature id,
-- the key of every live update on the WebSocket and the texel of the client's state texture.
CREATE SEQUENCE twin_idx_seq AS integer MINVALUE 1 START 1;

CREATE TABLE twin_object (
  idx integer PRIMARY KEY DEFAULT nextval('twin_idx_seq'),
  uuid uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN
    ('park', 'building', 'floor', 'room', 'equipment', 'pipe_node', 'pipe_segment', 'zone', 'enterprise')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  name_en text CHECK (name_en IS NULL OR length(name_en) BETWEEN 1 AND 200),
  UNIQUE (idx, kind)
);
ALTER SEQUENCE twin_idx_seq OWNED BY twin_object.idx;
CREATE INDEX twin_object_kind ON twin_object (kind);

-- Every kind table carries a constant `kind` and a composite foreign key, so an idx registered as
-- one kind can never be used by another kind's table.

CREATE TABLE park (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'park' CHECK (kind = 'park'),
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  city text NOT NULL,
  -- Origin of the local east-north-up frame the tiles are built in; Z is the ellipsoidal height.
  origin geometry(PointZ, 4326) NOT NULL,
  boundary geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(boundary)),
  timezone text NOT NULL DEFAULT 'Asia/Shanghai',
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX park_boundary_gix ON park USING gist (boundary);

CREATE TABLE building (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'building' CHECK (kind = 'building'),
  park_idx integer NOT NULL REFERENCES park (idx) ON DELETE CASCADE,
  code text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'),
  -- Ground-floor outline; interior rings are courtyards. Upper floors carry their own outline
  -- (towers on podiums), see floor.footprint.
  footprint geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(footprint)),
  height real NOT NULL CHECK (height > 0 AND height <= 1000),
  floors_above smallint NOT NULL CHECK (floors_above BETWEEN 1 AND 200),
  floors_below smallint NOT NULL DEFAULT 0 CHECK (floors_below BETWEEN 0 AND 10),
  use text NOT NULL CHECK (use IN ('office', 'research', 'industrial', 'incubator', 'data_center',
    'residential', 'commercial', 'amenity', 'parking', 'utility', 'mixed')),
  year smallint CHECK (year BETWEEN 1900 AND 2100),
  ground_elevation real NOT NULL DEFAULT 0,
  UNIQUE (park_idx, code),
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX building_park ON building (park_idx);
CREATE INDEX building_footprint_gix ON building USING gist (footprint);

CREATE TABLE floor (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'floor' CHECK (kind = 'floor'),
  building_idx integer NOT NULL REFERENCES building (idx) ON DELETE CASCADE,
  -- 1 is the ground floor, 2 the one above; -1 is B1. There is no level 0 (Chinese convention).
  level smallint NOT NULL CHECK (level <> 0 AND level BETWEEN -10 AND 200),
  elevation real NOT NULL,            -- top of the slab, metres above ground
  height real NOT NULL CHECK (height > 0 AND height <= 50),
  footprint geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(footprint)),
  UNIQUE (building_idx, level),
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX floor_footprint_gix ON floor USING gist (footprint);

CREATE TABLE room (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'room' CHECK (kind = 'room'),
  floor_idx integer NOT NULL REFERENCES floor (idx) ON DELETE CASCADE,
  building_idx integer NOT NULL REFERENCES building (idx) ON DELETE CASCADE,
  code text NOT NULL CHECK (length(code) BETWEEN 1 AND 32),
  footprint geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(footprint)),
  area real NOT NULL CHECK (area > 0),          -- usable m²
  use text NOT NULL CHECK (use IN ('office', 'lab', 'retail', 'canteen', 'meeting', 'lobby', 'corridor',
    'core', 'plant', 'storage', 'parking', 'restroom', 'data_center', 'showroom', 'workshop')),
  -- Leasable units carry a lease status kept in step with `lease` by the application;
  -- 'expiring' = the active lease ends within 90 days, 'reserved' = a deal is being negotiated.
  leasable boolean NOT NULL DEFAULT false,
  lease_status text NOT NULL DEFAULT 'not_leasable' CHECK (lease_status IN
    ('vacant', 'reserved', 'leased', 'expiring', 'not_leasable')),
  rent numeric(10, 2) CHECK (rent >= 0),        -- CNY per m² per month (asking, or contracted)
  capacity integer CHECK (capacity >= 0),       -- people, for occupancy
  CHECK (leasable = (lease_status <> 'not_leasable')),
  CHECK (NOT leasable OR rent IS NOT NULL),
  UNIQUE (building_idx, code),
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX room_floor ON room (floor_idx);
CREATE INDEX room_building ON room (building_idx);
CREATE INDEX room_leasable ON room (lease_status, area) WHERE leasable;
CREATE INDEX room_footprint_gix ON room USING gist (footprint);

CREATE TABLE enterprise (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'enterprise' CHECK (kind = 'enterprise'),
  park_idx integer NOT NULL REFERENCES park (idx) ON DELETE CASCADE,
  credit_code text NOT NULL UNIQUE CHECK (credit_code ~ '^[0-9A-Z]{18}$'), -- unified social credit code
  industry text NOT NULL CHECK (industry IN ('ai', 'ic_design', 'software', 'biomed', 'new_energy',
    'smart_manufacturing', 'digital_media', 'fintech', 'e_commerce', 'services')),
  registered_capital numeric(14, 2) NOT NULL CHECK (registered_capital >= 0), -- 10k CNY
  staff integer NOT NULL CHECK (staff >= 0),
  founded date,
  is_leading boolean NOT NULL DEFAULT false,
  high_tech boolean NOT NULL DEFAULT false,
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX enterprise_park ON enterprise (park_idx, industry);

-- Monthly economic figures (G7), the source of output, tax and energy indicators.
CREATE TABLE enterprise_monthly (
  enterprise_idx integer NOT NULL REFERENCES enterprise (idx) ON DELETE CASCADE,
  month date NOT NULL CHECK (extract(day FROM month) = 1),
  output_value numeric(14, 2) NOT NULL CHECK (output_value >= 0), -- 10k CNY
  revenue numeric(14, 2) NOT NULL CHECK (revenue >= 0),            -- 10k CNY
  tax numeric(14, 2) NOT NULL CHECK (tax >= 0),                    -- 10k CNY
  rd_spend numeric(14, 2) NOT NULL CHECK (rd_spend >= 0),          -- 10k CNY
  energy_kwh numeric(14, 1) NOT NULL CHECK (energy_kwh >= 0),
  staff integer NOT NULL CHECK (staff >= 0),
  PRIMARY KEY (enterprise_idx, month)
);
CREATE INDEX enterprise_monthly_month ON enterprise_monthly (month);

CREATE TABLE lease (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  room_idx integer NOT NULL REFERENCES room (idx) ON DELETE CASCADE,
  enterprise_idx integer NOT NULL REFERENCES enterprise (idx) ON DELETE CASCADE,
  start_date date NOT NULL,
  end_date date NOT NULL,
  rent numeric(10, 2) NOT NULL CHECK (rent >= 0),               -- CNY per m² per month
  status text NOT NULL CHECK (status IN ('signed', 'active', 'ended')),
  CHECK (end_date > start_date)
);
CREATE UNIQUE INDEX lease_one_active_per_room ON lease (room_idx) WHERE status = 'active';
CREATE INDEX lease_enterprise ON lease (enterprise_idx, status);

CREATE TABLE zone (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'zone' CHECK (kind = 'zone'),
  park_idx integer NOT NULL REFERENCES park (idx) ON DELETE CASCADE,
  code text NOT NULL,
  zone_type text NOT NULL CHECK (zone_type IN ('perimeter', 'restricted', 'block', 'parking', 'green', 'plaza')),
  boundary geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(boundary)),
  planned_use text CHECK (planned_use IN ('research', 'industrial', 'commercial', 'residential', 'green',
    'public', 'reserve')),
  plot_ratio real CHECK (plot_ratio >= 0),
  UNIQUE (park_idx, code),
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX zone_boundary_gix ON zone USING gist (boundary);

CREATE TABLE equipment (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'equipment' CHECK (kind = 'equipment'),
  park_idx integer NOT NULL REFERENCES park (idx) ON DELETE CASCADE,
  building_idx integer REFERENCES building (idx) ON DELETE CASCADE,
  floor_idx integer REFERENCES floor (idx) ON DELETE CASCADE,
  room_idx integer REFERENCES room (idx) ON DELETE CASCADE,
  code text NOT NULL,
  type text NOT NULL CHECK (type IN ('ahu', 'chiller', 'boiler', 'cooling_tower', 'pump', 'fan_coil',
    'elevator', 'transformer', 'switchgear', 'generator', 'power_meter', 'water_meter', 'light',
    'fire_detector', 'sprinkler_valve', 'env_sensor', 'occupancy_sensor', 'camera', 'access_reader',
    'barrier_gate', 'ev_charger')),
  model text NOT NULL,
  manufacturer text NOT NULL,
  position geometry(PointZ, 4326) NOT NULL,
  heading real NOT NULL DEFAULT 0 CHECK (heading >= 0 AND heading < 360), -- degrees clockwise from north
  status text NOT NULL DEFAULT 'normal' CHECK (status IN ('normal', 'warning', 'fault', 'offline', 'maintenance')),
  install_date date NOT NULL,
  maintenance_interval_days integer NOT NULL CHECK (maintenance_interval_days BETWEEN 1 AND 3650),
  last_maintained date,
  rated_power_kw real CHECK (rated_power_kw >= 0),
  CHECK (floor_idx IS NULL OR building_idx IS NOT NULL),
  CHECK (room_idx IS NULL OR floor_idx IS NOT NULL),
  UNIQUE (park_idx, code),
  UNIQUE (idx, type),
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX equipment_building ON equipment (building_idx, floor_idx);
CREATE INDEX equipment_room ON equipment (room_idx);
CREATE INDEX equipment_type ON equipment (park_idx, type);
CREATE INDEX equipment_position_gix ON equipment USING gist (position);

-- Cameras (G5 video coverage) and access points are equipment with extra attributes.
CREATE TABLE camera (
  idx integer PRIMARY KEY,
  type text NOT NULL DEFAULT 'camera' CHECK (type = 'camera'),
  coverage text NOT NULL CHECK (coverage IN ('main_gate', 'crossroad', 'perimeter', 'ground_entrance',
    'fire_lane', 'lobby', 'lift_car', 'machine_room', 'canteen', 'parking', 'corridor')),
  fov_deg real NOT NULL DEFAULT 90 CHECK (fov_deg > 0 AND fov_deg <= 360),
  range_m real NOT NULL DEFAULT 30 CHECK (range_m > 0),
  ptz boolean NOT NULL DEFAULT false,
  FOREIGN KEY (idx, type) REFERENCES equipment (idx, type) ON DELETE CASCADE
);

CREATE TABLE access_point (
  idx integer PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('access_reader', 'barrier_gate')),
  access_kind text NOT NULL CHECK (access_kind IN ('door', 'turnstile', 'vehicle_barrier', 'gate', 'lift')),
  biometric boolean NOT NULL DEFAULT false,
  zone_idx integer REFERENCES zone (idx) ON DELETE SET NULL,
  FOREIGN KEY (idx, type) REFERENCES equipment (idx, type) ON DELETE CASCADE
);

-- Hidden infrastructure: nodes and directed segments (from -> to is the flow direction).
CREATE TABLE pipe_node (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'pipe_node' CHECK (kind = 'pipe_node'),
  park_idx integer NOT NULL REFERENCES park (idx) ON DELETE CASCADE,
  network text NOT NULL CHECK (network IN ('water', 'drainage', 'power', 'gas', 'telecom', 'hvac')),
  node_type text NOT NULL CHECK (node_type IN ('source', 'valve', 'manhole', 'junction', 'hydrant', 'meter',
    'transformer', 'cabinet', 'outlet', 'service')),
  code text NOT NULL,
  position geometry(PointZ, 4326) NOT NULL,
  building_idx integer REFERENCES building (idx) ON DELETE SET NULL, -- service connection
  valve_open boolean CHECK (valve_open IS NULL OR node_type = 'valve'),
  UNIQUE (park_idx, code),
  UNIQUE (idx, network),
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX pipe_node_position_gix ON pipe_node USING gist (position);

CREATE TABLE pipe_segment (
  idx integer PRIMARY KEY,
  kind text NOT NULL DEFAULT 'pipe_segment' CHECK (kind = 'pipe_segment'),
  park_idx integer NOT NULL REFERENCES park (idx) ON DELETE CASCADE,
  network text NOT NULL CHECK (network IN ('water', 'drainage', 'power', 'gas', 'telecom', 'hvac')),
  code text NOT NULL,
  from_node integer NOT NULL,
  to_node integer NOT NULL,
  geom geometry(LineStringZ, 4326) NOT NULL,
  diameter_mm real NOT NULL CHECK (diameter_mm > 0 AND diameter_mm <= 5000),
  depth real NOT NULL CHECK (depth >= 0 AND depth <= 50), -- cover depth to the pipe crown, metres
  material text NOT NULL CHECK (material IN ('ductile_iron', 'steel', 'pe', 'hdpe', 'pvc', 'concrete',
    'copper', 'fiber', 'xlpe_cable')),
  install_year smallint CHECK (install_year BETWEEN 1900 AND 2100),
  CHECK (from_node <> to_node),
  UNIQUE (park_idx, code),
  FOREIGN KEY (from_node, network) REFERENCES pipe_node (idx, network) ON DELETE CASCADE,
  FOREIGN KEY (to_node, network) REFERENCES pipe_node (idx, network) ON DELETE CASCADE,
  FOREIGN KEY (idx, kind) REFERENCES twin_object (idx, kind) ON DELETE CASCADE
);
CREATE INDEX pipe_segment_from ON pipe_segment (from_node);
CREATE INDEX pipe_segment_to ON pipe_segment (to_node);
CREATE INDEX pipe_segment_network ON pipe_segment (park_idx, network);
CREATE INDEX pipe_segment_geom_gix ON pipe_segment USING gist (geom);

-- Deleting a kind row (directly or by cascade from its parent) removes its twin_object entry,
-- so the registry never keeps an idx for an object that no longer exists.
CREATE FUNCTION twin_object_release() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM twin_object WHERE idx = OLD.idx;
  RETURN OLD;
END $$;

CREATE TRIGGER park_release AFTER DELETE ON park FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER building_release AFTER DELETE ON building FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER floor_release AFTER DELETE ON floor FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER room_release AFTER DELETE ON room FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER enterprise_release AFTER DELETE ON enterprise FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER zone_release AFTER DELETE ON zone FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER equipment_release AFTER DELETE ON equipment FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER pipe_node_release AFTER DELETE ON pipe_node FOR EACH ROW EXECUTE FUNCTION twin_object_release();
CREATE TRIGGER pipe_segment_release AFTER DELETE ON pipe_segment FOR EACH ROW EXECUTE FUNCTION twin_object_release();
