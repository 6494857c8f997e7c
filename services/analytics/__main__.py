"""Entry point: `python -m services.analytics`."""

from services.analytics.bootstrap import main

main()
