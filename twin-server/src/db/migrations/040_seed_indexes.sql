-- Foreign keys without an index on the referencing side make every deleted room (or zone) scan
-- the whole lease (or access_point) table: replacing a large park took minutes. These also serve
-- "leases of this unit" and "readers of this zone" lookups.
CREATE INDEX IF NOT EXISTS lease_room ON lease (room_idx);
CREATE INDEX IF NOT EXISTS access_point_zone ON access_point (zone_idx);
