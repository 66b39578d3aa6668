# Browser tests of the dashboard (web/): the hub serves it, playwright-core drives Debian's chromium.
TOOL_TESTS += tests/web/test_web.sh
