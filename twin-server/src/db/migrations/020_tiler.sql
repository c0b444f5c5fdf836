-- Change tracking for the incremental tiler. Statement-level triggers (one row per statement and
-- building, not per row, so bulk seeding stays cheap) record which buildings or layers changed;
-- the tiler consumes the rows and re-tiles only those. NOTIFY twin_tiles wakes a listening server
-- (PostgreSQL; PGlite delivers it in-process too, and the server also polls the table).

CREATE TABLE tile_change (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  park_idx integer NOT NULL,
  -- 'building': one building's own tiles; 'layout': buildings added or removed;
  -- 'site': outdoor equipment; 'infra': pipes, cables and their nodes.
  layer text NOT NULL CHECK (layer IN ('building', 'layout', 'site', 'infra')),
  building_idx integer,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tile_change_park ON tile_change (park_idx, id);

-- The published tileset version per park (bumped whenever tileset.json changes).
CREATE TABLE tileset_state (
  park_idx integer PRIMARY KEY REFERENCES park (idx) ON DELETE CASCADE,
  version integer NOT NULL DEFAULT 0,
  change_id bigint NOT NULL DEFAULT 0,
  built_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION tile_change_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('twin_tiles', '');
  RETURN NULL;
END $$;

CREATE FUNCTION tile_change_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO tile_change (park_idx, layer, building_idx) SELECT DISTINCT park_idx, 'layout', idx FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO tile_change (park_idx, layer, building_idx) SELECT DISTINCT park_idx, 'layout', idx FROM old_rows;
  ELSE
    INSERT INTO tile_change (park_idx, layer, building_idx) SELECT DISTINCT park_idx, 'building', idx FROM new_rows;
  END IF;
  RETURN NULL;
END $$;

-- Floors and rooms: the building they sit in (rows whose building is already gone are covered by
-- the building's own 'layout' change).
CREATE FUNCTION tile_change_in_building() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO tile_change (park_idx, layer, building_idx)
      SELECT DISTINCT b.park_idx, 'building', b.idx FROM old_rows o JOIN building b ON b.idx = o.building_idx;
  ELSE
    INSERT INTO tile_change (park_idx, layer, building_idx)
      SELECT DISTINCT b.park_idx, 'building', b.idx FROM new_rows n JOIN building b ON b.idx = n.building_idx;
  END IF;
  IF TG_OP = 'UPDATE' THEN -- a row moved to another building changes the old one too
    INSERT INTO tile_change (park_idx, layer, building_idx)
      SELECT DISTINCT b.park_idx, 'building', b.idx FROM old_rows o JOIN building b ON b.idx = o.building_idx
      WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.building_idx = o.building_idx);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION tile_change_equipment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO tile_change (park_idx, layer, building_idx)
      SELECT DISTINCT park_idx, CASE WHEN building_idx IS NULL THEN 'site' ELSE 'building' END, building_idx FROM new_rows;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO tile_change (park_idx, layer, building_idx)
      SELECT DISTINCT o.park_idx, CASE WHEN o.building_idx IS NULL THEN 'site' ELSE 'building' END, o.building_idx
      FROM old_rows o JOIN park p ON p.idx = o.park_idx;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION tile_change_infra() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO tile_change (park_idx, layer) SELECT DISTINCT o.park_idx, 'infra' FROM old_rows o JOIN park p ON p.idx = o.park_idx;
  ELSE
    INSERT INTO tile_change (park_idx, layer) SELECT DISTINCT park_idx, 'infra' FROM new_rows;
  END IF;
  RETURN NULL;
END $$;

-- Names live in the registry and are part of the tile metadata.
CREATE FUNCTION tile_change_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tile_change (park_idx, layer, building_idx)
    SELECT DISTINCT t.park_idx, t.layer, t.building_idx FROM (
      SELECT b.park_idx, 'building' AS layer, b.idx AS building_idx FROM new_rows n JOIN old_rows o ON o.idx = n.idx
        JOIN building b ON b.idx = n.idx WHERE n.name IS DISTINCT FROM o.name
      UNION ALL
      SELECT b.park_idx, 'building', b.idx FROM new_rows n JOIN old_rows o ON o.idx = n.idx
        JOIN floor f ON f.idx = n.idx JOIN building b ON b.idx = f.building_idx WHERE n.name IS DISTINCT FROM o.name
      UNION ALL
      SELECT b.park_idx, 'building', b.idx FROM new_rows n JOIN old_rows o ON o.idx = n.idx
        JOIN room r ON r.idx = n.idx JOIN building b ON b.idx = r.building_idx WHERE n.name IS DISTINCT FROM o.name
      UNION ALL
      SELECT e.park_idx, CASE WHEN e.building_idx IS NULL THEN 'site' ELSE 'building' END, e.building_idx
        FROM new_rows n JOIN old_rows o ON o.idx = n.idx JOIN equipment e ON e.idx = n.idx WHERE n.name IS DISTINCT FROM o.name
      UNION ALL
      SELECT s.park_idx, 'infra', NULL FROM new_rows n JOIN old_rows o ON o.idx = n.idx
        JOIN pipe_segment s ON s.idx = n.idx WHERE n.name IS DISTINCT FROM o.name
      UNION ALL
      SELECT s.park_idx, 'infra', NULL FROM new_rows n JOIN old_rows o ON o.idx = n.idx
        JOIN pipe_node s ON s.idx = n.idx WHERE n.name IS DISTINCT FROM o.name
    ) t;
  RETURN NULL;
END $$;

CREATE TRIGGER building_tiles_ins AFTER INSERT ON building REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_building();
CREATE TRIGGER building_tiles_upd AFTER UPDATE ON building REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_building();
CREATE TRIGGER building_tiles_del AFTER DELETE ON building REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_building();
CREATE TRIGGER floor_tiles_ins AFTER INSERT ON floor REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_in_building();
CREATE TRIGGER floor_tiles_upd AFTER UPDATE ON floor REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_in_building();
CREATE TRIGGER floor_tiles_del AFTER DELETE ON floor REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_in_building();
CREATE TRIGGER room_tiles_ins AFTER INSERT ON room REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_in_building();
CREATE TRIGGER room_tiles_upd AFTER UPDATE ON room REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_in_building();
CREATE TRIGGER room_tiles_del AFTER DELETE ON room REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_in_building();
CREATE TRIGGER equipment_tiles_ins AFTER INSERT ON equipment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_equipment();
CREATE TRIGGER equipment_tiles_upd AFTER UPDATE ON equipment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_equipment();
CREATE TRIGGER equipment_tiles_del AFTER DELETE ON equipment REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_equipment();
CREATE TRIGGER pipe_node_tiles_ins AFTER INSERT ON pipe_node REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_infra();
CREATE TRIGGER pipe_node_tiles_upd AFTER UPDATE ON pipe_node REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_infra();
CREATE TRIGGER pipe_node_tiles_del AFTER DELETE ON pipe_node REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_infra();
CREATE TRIGGER pipe_segment_tiles_ins AFTER INSERT ON pipe_segment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_infra();
CREATE TRIGGER pipe_segment_tiles_upd AFTER UPDATE ON pipe_segment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_infra();
CREATE TRIGGER pipe_segment_tiles_del AFTER DELETE ON pipe_segment REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_infra();
CREATE TRIGGER twin_object_tiles_upd AFTER UPDATE ON twin_object REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tile_change_name();

-- One NOTIFY per statement on the change table, however many rows it recorded.
CREATE TRIGGER tile_change_notify AFTER INSERT ON tile_change FOR EACH STATEMENT EXECUTE FUNCTION tile_change_notify();
