"""The web pages driven in headless Chromium (Debian's chromium and chromium-driver)."""
