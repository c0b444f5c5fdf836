#!/usr/bin/env bash
# Restore drill of the twin's pgBackRest backups (issue 21, R2): verifies a repository, restores its
# latest backup (plus archived WAL, up to --target-time if given) into a scratch folder on a spare
# port, starts it, waits until recovery is done, prints the row checksums of every table of the
# database and how long each step took, and removes the scratch copy. The production database is not
# touched. Exit 0: restorable; 2: the repository failed verification (nothing restored); 1: other.
#
#   deploy/pgbackrest/restore-drill.sh --stanza twin --repo 2 --db twin [--target-time '2026-12-07 06:00:00+00' | --target-lsn 0/9000000] \
#       [--config /etc/pgbackrest/pgbackrest.conf] [--port 54329] [--scratch /var/tmp/twin-restore-drill] \
#       [--pg-bin /usr/lib/postgresql/15/bin] [--checksums FILE] [--keep] [--verify-only]
#
# A time target stops at the first commit after it. To undo a DROP DATABASE use --target-lsn (the
# LSN where it starts, from pg_waldump; recovery stops just before it): PostgreSQL 15 marks the database invalid in a WAL
# record before the drop's commit, so a time target restores it as "invalid".
# Run as root (steps run as the postgres user) or as postgres. Schedule it monthly (deploy/systemd/).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
STANZA=twin REPO=1 DB=twin TARGET="" LSN="" CONFIG=/etc/pgbackrest/pgbackrest.conf PORT=54329
SCRATCH="" PGBIN=/usr/lib/postgresql/15/bin OUT="" KEEP=0 VERIFY_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --stanza) STANZA="$2"; shift 2 ;;
    --repo) REPO="$2"; shift 2 ;;
    --db) DB="$2"; shift 2 ;;
    --target-time) TARGET="$2"; shift 2 ;;
    --target-lsn) LSN="$2"; shift 2 ;;
    --config) CONFIG="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --scratch) SCRATCH="$2"; shift 2 ;;
    --pg-bin) PGBIN="$2"; shift 2 ;;
    --checksums) OUT="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --verify-only) VERIFY_ONLY=1; shift ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done
[ -n "$SCRATCH" ] || SCRATCH="$(mktemp -d /var/tmp/twin-restore-drill.XXXXXX)"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mkdir -p "$SCRATCH"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$SCRATCH"
DATA="$SCRATCH/data"
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  [ "$KEEP" -eq 1 ] || rm -rf "$SCRATCH"
}
trap cleanup EXIT

t0=$(now)
echo "restore-drill: verify repo$REPO of stanza $STANZA"
# pgBackRest 2.45's verify exits 0 even when it finds a bad file: its report says "status: error".
REPORT="$(as_pg pgbackrest --config="$CONFIG" --stanza="$STANZA" --repo="$REPO" --log-level-console=warn --output=text --verbose verify 2>&1)" || VERR=$?
if [ -n "${VERR:-}" ] || ! printf '%s\n' "$REPORT" | grep -q 'status: ok' || printf '%s\n' "$REPORT" | grep -q 'status: error'; then
  printf '%s\n' "$REPORT" | grep -E 'invalid checksum|status: (error|invalid)|missing: [1-9]|checksum invalid: [1-9]|ERROR' >&2 || printf '%s\n' "$REPORT" >&2
  echo "restore-drill: FAILED: repo$REPO did not verify (a backup or WAL file is missing or corrupt); nothing restored" >&2
  exit 2
fi
if [ "$VERIFY_ONLY" -eq 1 ]; then echo "restore-drill: repo$REPO verified"; trap - EXIT; rm -rf "$SCRATCH"; exit 0; fi
t1=$(now)
echo "restore-drill: verified in $(secs "$t0" "$t1") s; restoring into $DATA"
TYPE=(--type=default)
[ -z "$TARGET" ] || TYPE=(--type=time "--target=$TARGET" --target-action=promote)
[ -z "$LSN" ] || TYPE=(--type=lsn "--target=$LSN" --target-exclusive --target-action=promote)
# --archive-mode=off: the scratch copy must never push WAL into the repositories it came from.
as_pg pgbackrest --config="$CONFIG" --stanza="$STANZA" --repo="$REPO" --pg1-path="$DATA" --archive-mode=off \
  --log-level-console=warn "${TYPE[@]}" restore
t2=$(now)
echo "restore-drill: restored in $(secs "$t1" "$t2") s; starting PostgreSQL on port $PORT"
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$SCRATCH/postgresql.log" -w -t 600 \
  -o "-p $PORT -k $SCRATCH -c listen_addresses='' -c archive_mode=off -c hot_standby=on" start >/dev/null
PSQL=(as_pg psql -X -At -h "$SCRATCH" -p "$PORT" -U postgres)
for _ in $(seq 1 600); do
  [ "$("${PSQL[@]}" -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" = "f" ] && break
  sleep 1
done
[ "$("${PSQL[@]}" -d postgres -c 'SELECT pg_is_in_recovery()')" = "f" ] || { echo "restore-drill: FAILED: recovery did not finish" >&2; tail -20 "$SCRATCH/postgresql.log" >&2; exit 1; }
t3=$(now)
echo "restore-drill: recovered and open in $(secs "$t2" "$t3") s"
SUMS="$("${PSQL[@]}" -d "$DB" -f "$HERE/table-checksums.sql")"
[ -z "$OUT" ] || printf '%s\n' "$SUMS" > "$OUT"
TABLES=$(printf '%s\n' "$SUMS" | grep -c . || true)
ROWS=$(printf '%s\n' "$SUMS" | awk -F'|' '{ s += $2 } END { print s + 0 }')
t4=$(now)
echo "restore-drill: OK: repo$REPO, database $DB: $TABLES tables, $ROWS rows checksummed; verify $(secs "$t0" "$t1") s, restore $(secs "$t1" "$t2") s, recovery $(secs "$t2" "$t3") s, total $(secs "$t0" "$t4") s"
