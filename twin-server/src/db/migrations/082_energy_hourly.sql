-- Hourly per-meter energy roll-ups (issue 18, energy truth), kept by the telemetry writer in the
-- same statement that stores the readings: per meter and hour the first and last cumulative kWh
-- reading (with their times) and the sum, count and peak of the kW readings. "Today", "the same
-- time yesterday" and hourly charts read a few rows per meter instead of every reading.
CREATE TABLE energy_hourly (
  idx integer NOT NULL,
  hour timestamptz NOT NULL,
  first_ts timestamptz,
  first_kwh double precision,
  last_ts timestamptz,
  last_kwh double precision,
  kw_sum double precision NOT NULL DEFAULT 0,
  kw_n integer NOT NULL DEFAULT 0,
  kw_max real,
  PRIMARY KEY (idx, hour)
);
CREATE INDEX energy_hourly_hour ON energy_hourly (hour);

-- Readings stored before this table existed (energy is wire layer 4).
INSERT INTO energy_hourly (idx, hour, first_ts, first_kwh, last_ts, last_kwh, kw_sum, kw_n, kw_max)
SELECT idx, date_trunc('hour', ts),
       min(ts) FILTER (WHERE payload ? 'kwh'),
       (array_agg((payload->>'kwh')::float8 ORDER BY ts) FILTER (WHERE payload ? 'kwh'))[1],
       max(ts) FILTER (WHERE payload ? 'kwh'),
       (array_agg((payload->>'kwh')::float8 ORDER BY ts DESC) FILTER (WHERE payload ? 'kwh'))[1],
       sum(value), count(*), max(value)
FROM telemetry WHERE layer = 4
GROUP BY idx, date_trunc('hour', ts);
