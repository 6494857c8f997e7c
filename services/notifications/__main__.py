"""Entry point: `python -m services.notifications`."""

from services.notifications.bootstrap import main

main()
