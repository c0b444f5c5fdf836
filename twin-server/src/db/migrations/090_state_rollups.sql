-- Live-state roll-ups for the time machine (issue 20), kept by the telemetry writer in the same
-- statement that stores the readings: per (layer, object) and minute, and per hour, the last
-- reading of that bucket (value, status and its time). A replay at minute or hour steps reads
-- these rows (index scans on (layer, bucket)), never the raw telemetry.
CREATE TABLE state_minute (
  layer smallint NOT NULL,
  idx integer NOT NULL,
  minute timestamptz NOT NULL,
  value real NOT NULL,
  status smallint NOT NULL,
  ts timestamptz NOT NULL,
  PRIMARY KEY (layer, idx, minute)
);
CREATE INDEX state_minute_time ON state_minute (layer, minute) INCLUDE (idx, value, status);

CREATE TABLE state_hourly (
  layer smallint NOT NULL,
  idx integer NOT NULL,
  hour timestamptz NOT NULL,
  value real NOT NULL,
  status smallint NOT NULL,
  ts timestamptz NOT NULL,
  PRIMARY KEY (layer, idx, hour)
);
CREATE INDEX state_hourly_time ON state_hourly (layer, hour) INCLUDE (idx, value, status);

-- Readings stored before these tables existed.
INSERT INTO state_minute (layer, idx, minute, value, status, ts)
SELECT DISTINCT ON (layer, idx, date_trunc('minute', ts)) layer, idx, date_trunc('minute', ts), value, status, ts
FROM telemetry ORDER BY layer, idx, date_trunc('minute', ts), ts DESC, seq DESC;
INSERT INTO state_hourly (layer, idx, hour, value, status, ts)
SELECT DISTINCT ON (layer, idx, date_trunc('hour', ts)) layer, idx, date_trunc('hour', ts), value, status, ts
FROM telemetry ORDER BY layer, idx, date_trunc('hour', ts), ts DESC, seq DESC;
