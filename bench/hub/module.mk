# bench/hub: lepower-hub figures (ingest rate vs a bare subscriber, publish-to-API
# latency, energy query time, memory with 10 000 devices). Prints, never fails.
BENCHES += bench_hub_load
bench_hub_load_SRCS := bench/hub/hub_load.c hub/store_sqlite.c hub/energy.c hub/calendar.c
bench_hub_load_LDLIBS := -lmosquitto -lsqlite3 -lpthread -lm
BENCH_SCRIPTS += bench/hub/run.sh
