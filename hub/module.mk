# hub: lepower-hub, MQTT -> journal -> SQLite, HTTP API (docs/hub.md, docs/api.md).
TOOLS += lepower-hub
lepower-hub_SRCS := hub/main.c hub/ingest.c hub/decode.c hub/journal.c hub/writer.c hub/store_sqlite.c \
    hub/energy.c hub/calendar.c hub/http_api.c hub/api_energy.c hub/api_series.c hub/jbuf.c hub/jbody.c \
    hub/metrics.c hub/live.c hub/commands.c hub/pool.c hub/static.c hub/hub_status.c
lepower-hub_LDLIBS := -lmosquitto -lmicrohttpd -lsqlite3 -lpthread -lm
