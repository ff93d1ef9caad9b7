"""`python -m api.cli`: the `journeys` command line."""

from api.cli import main

main()
