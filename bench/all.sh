#!/bin/sh
# Every benchmark and fault script in turn, each at a quick scale (a few minutes in all):
#     sh bench/all.sh            quick options, as below
#     sh bench/all.sh --full     each script's defaults (the figures quoted in bench/README.md)
# A script that fails is reported and the others still run; the exit code counts the failures.
cd "$(dirname "$0")/.." || exit 1
full=no
[ "$1" = "--full" ] && full=yes
failed=0
run() {
    script=$1
    shift
    [ "$full" = yes ] && set --
    start "$script" "$@"
}
# The same script on PostgreSQL (issue 15), on a throwaway local cluster: --db stays with --full.
run_postgres() {
    script=$1
    shift
    [ "$full" = yes ] && set --
    start "$script" --db postgresql "$@"
}
start() {
    script=$1
    shift
    echo
    echo "=== python bench/$script $*"
    if ! python3 "bench/$script" "$@"; then
        echo "!!! bench/$script failed"
        failed=$((failed + 1))
    fi
}
run append.py --events 100000 --singles 300
run projections.py --events 20000
run_postgres projections.py --events 20000
run gazetteer.py --repeat 3
run ics.py --events 2000 --repeat 5
run delivery.py --events 2000
run http.py --seconds 3 --rounds 1
run_postgres http.py --seconds 3 --rounds 1
run schemathesis_run.py --max-examples 5
run faults.py --quick
run live.py --clients 200 --posts 20 --deliveries 100
run log.py --events 100000 --queries 500 --append-events 10000 --pymerkle-limit 50000
for script in bench/*.py; do  # a script added later without a line above still runs
    case "$(basename "$script")" in
        append.py | projections.py | gazetteer.py | ics.py | delivery.py | http.py | schemathesis_run.py | faults.py | live.py | log.py) ;;
        *) run "$(basename "$script")" ;;
    esac
done
echo
echo "bench/all.sh: $failed script(s) failed"
exit "$failed"
