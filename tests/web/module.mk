# Dashboard (web/) and demo tests: browser tests (the hub serves web/, playwright-core drives
# Debian's chromium) and the demo's data and scenarios.
TOOL_TESTS += tests/web/test_web.sh
TOOL_TESTS += tests/web/test_demo_data.sh
