# tests/hub: hub unit tests (pure logic) and integration tests (real broker, real SQLite).
TESTS += test_hub_calendar test_hub_energy test_hub_journal
test_hub_calendar_SRCS := tests/hub/test_hub_calendar.c hub/calendar.c
test_hub_calendar_LDLIBS := -lcmocka
test_hub_energy_SRCS := tests/hub/test_hub_energy.c hub/energy.c
test_hub_energy_LDLIBS := -lcmocka -lm
test_hub_journal_SRCS := tests/hub/test_hub_journal.c hub/journal.c
test_hub_journal_LDLIBS := -lcmocka -lpthread
# scripted publisher / command answerer used by the integration tests and the demo
TOOLS += lepower-hub-feed
lepower-hub-feed_SRCS := tests/hub/hub_feed.c
lepower-hub-feed_LDLIBS := -lmosquitto
TOOL_TESTS += tests/hub/test_hub_ingest.sh
TOOL_TESTS += tests/hub/test_hub_api.sh
TOOL_TESTS += tests/hub/test_hub_crash.sh
TOOL_TESTS += tests/hub/test_hub_store.sh
