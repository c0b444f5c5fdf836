CREATE INDEX sample_kit_note_created ON sample_kit_note (created_at);
