-- Properties of an imported footprint file that the importer does not map to a column (a city's
-- own survey fields: roof type, owner, source id), kept with the building as a JSON object.
ALTER TABLE building ADD COLUMN attributes jsonb CHECK (attributes IS NULL OR jsonb_typeof(attributes) = 'object');
