-- Row checksums of every table (Park Twin restore drill): one line per table, "schema.table|rows|md5",
-- the md5 over the sorted md5 of every row's text, so row order on disk does not matter.
-- Run with: psql -X -At -f table-checksums.sql DBNAME
SELECT format(
  'SELECT %L, count(*), md5(coalesce(string_agg(h, '''' ORDER BY h), '''')) FROM (SELECT md5(t::text) AS h FROM ONLY %I.%I t) s',
  n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY n.nspname, c.relname
\gexec
