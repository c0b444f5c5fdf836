-- Layer names and alarm kinds come from the layer registry (layers/src/registry.ts) and are checked
-- in code where they enter (ingest, the wall's bookmark route); the database keeps a format check
-- only, so adding a layer or an alarm kind needs no migration (docs/adding-a-layer.md).
ALTER TABLE alarm DROP CONSTRAINT IF EXISTS alarm_kind_check;
ALTER TABLE alarm ADD CONSTRAINT alarm_kind_format CHECK (kind ~ '^[a-z][a-z0-9_]{1,62}$');
ALTER TABLE wall_bookmark DROP CONSTRAINT IF EXISTS wall_bookmark_layer_check;
ALTER TABLE wall_bookmark ADD CONSTRAINT wall_bookmark_layer_format CHECK (layer ~ '^[a-z][a-z0-9_]{1,62}$');
